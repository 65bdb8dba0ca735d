import { createHash } from 'node:crypto';
import { EmailKinds, markEmailSent, recordOutgoingEmail } from '../src/db/emails';
import { inTransaction } from '../src/db/pool';
import { appendTimeline } from '../src/db/timeline';
import {
  type ActionOutcome,
  type ActionRunInput,
  renderTemplate,
  type SendInternalNotificationConfig,
  TimelineKinds,
} from '../src/domain';
import { actionCompletedLine } from './audit';
import { type ActivityDeps, requireRecord } from './deps';

/** A Message-ID derived from the send key: a resend after a crash carries the same one. */
export function messageIdFor(key: string): string {
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@pipewright.local>`;
}

export function createEmailActivities({ pool, mailer, mailFrom, newId }: ActivityDeps) {
  /**
   * Sends one message at least once: the ledger row commits before SMTP sees the message, and a retry resends
   * the stored message (same Message-ID) only if SMTP never acknowledged it.
   */
  async function sendOnce(email: {
    key: string;
    input: ActionRunInput;
    kind: (typeof EmailKinds)[keyof typeof EmailKinds];
    to: string;
    subject: string;
    body: string;
  }): Promise<void> {
    const stored = await recordOutgoingEmail(pool, {
      id: newId('email'),
      key: email.key,
      messageId: messageIdFor(email.key),
      recordId: email.input.recordId,
      workflowId: email.input.workflowId,
      actionId: email.input.actionId,
      kind: email.kind,
      from: mailFrom,
      to: email.to,
      subject: email.subject,
      body: email.body,
    });
    if (stored.sentAt) return;
    await mailer.send({
      messageId: stored.messageId,
      from: stored.from,
      to: stored.to,
      subject: stored.subject,
      text: stored.body,
    });
    await markEmailSent(pool, email.key);
  }

  return {
    /** `send_internal_notification`: one email per recipient (listed users and, if asked, the record owner). */
    async sendInternalNotification(input: ActionRunInput<SendInternalNotificationConfig>): Promise<ActionOutcome> {
      const record = await inTransaction(pool, (db) => requireRecord(db, input.recordId));
      const recipients = new Set(input.config.to.users ?? []);
      const notes: string[] = [];
      if (input.config.to.owner) {
        if (record.ownerId?.includes('@')) recipients.add(record.ownerId);
        else notes.push('the record has no owner with an email address');
      }
      const subject = renderTemplate(input.config.subject, record);
      const body = renderTemplate(input.config.body, record);
      for (const to of recipients) {
        await sendOnce({
          key: `${input.key}:${to.toLowerCase()}`,
          input,
          kind: EmailKinds.internal,
          to,
          subject,
          body,
        });
      }
      const sentTo = recipients.size > 0 ? `sent notification "${subject}" to ${[...recipients].join(', ')}` : '';
      const detail = [sentTo, ...notes.map((note) => `skipped owner: ${note}`)].filter(Boolean).join('; ');
      const line = actionCompletedLine(input, detail);
      await appendTimeline(pool, recipients.size > 0 ? line : { ...line, kind: TimelineKinds.actionSkipped });
      return { detail };
    },
  };
}
