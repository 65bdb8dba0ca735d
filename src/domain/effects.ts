import type { Contact } from './record';

/**
 * What actions with side effects decide before they act, and the timeline sentence each writes: the activities call
 * these when they act, the test run (`test-run.ts`) when it shows what they would do, so both say the same.
 */

export function taskDetail(title: string, assignee: string | null): string {
  return `created task "${title}"${assignee ? ` for ${assignee}` : ''}`;
}

export function propertyDetail(property: string, value: unknown): string {
  return value === null ? `cleared property "${property}"` : `set property "${property}" to ${JSON.stringify(value)}`;
}

/** The sentence of a `set_stage` that moves the record, or that finds it there already. */
export function stageDetail(from: string, to: string, isTicket: boolean): string {
  if (from !== to) return `moved record from stage "${from}" to "${to}"`;
  return isTicket ? `status unchanged: the ticket is already in "${to}"` : `record already in stage "${to}"`;
}

/** Who a notification reaches: the listed users and, if asked, the record's owner; why the owner is left out. */
export function notificationRecipients(
  to: { users?: string[]; owner?: boolean },
  ownerId: string | null,
): { recipients: string[]; notes: string[] } {
  const recipients = new Set(to.users ?? []);
  const notes: string[] = [];
  if (to.owner) {
    if (ownerId?.includes('@')) recipients.add(ownerId);
    else notes.push('the record has no owner with an email address');
  }
  return { recipients: [...recipients], notes };
}

/** The notification's sentence; `sent` is false (a skip) when it reached nobody. */
export function notificationDetail(subject: string, recipients: readonly string[], notes: readonly string[]) {
  const sentTo = recipients.length > 0 ? `sent notification "${subject}" to ${recipients.join(', ')}` : '';
  const detail = [sentTo, ...notes.map((note) => `skipped owner: ${note}`)].filter(Boolean).join('; ');
  return { detail, sent: recipients.length > 0 };
}

/**
 * Which contacts an email reaches: every one for a transactional template, only those who opted in for a marketing
 * one. Addresses in lower case.
 */
export function emailAudience(
  transactional: boolean,
  contacts: readonly Pick<Contact, 'email' | 'marketing'>[],
): { to: string[]; optedOut: string[] } {
  const to: string[] = [];
  const optedOut: string[] = [];
  for (const contact of contacts) {
    const address = contact.email.toLowerCase();
    (transactional || contact.marketing ? to : optedOut).push(address);
  }
  return { to, optedOut };
}

export const optedOutDetail = (address: string): string =>
  `not sent to ${address}: the contact has not opted in to marketing email`;

/** The email's sentence; `sent` is false (a skip) when no contact may receive it. */
export function emailDetail(email: {
  kind: string;
  subject: string;
  templateId: string;
  to: readonly string[];
  contacts: number;
}) {
  const detail =
    email.to.length > 0
      ? `sent ${email.kind} email "${email.subject}" (template ${email.templateId}) to ${email.to.join(', ')}`
      : email.contacts === 0
        ? 'no email sent: the record has no contacts'
        : 'no email sent: no contact may receive marketing email';
  return { detail, sent: email.to.length > 0 };
}
