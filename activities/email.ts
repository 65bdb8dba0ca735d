import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/activity';
import { getEmailTemplate } from '../src/db/email-templates';
import { markEmailSent, recordOutgoingEmail } from '../src/db/emails';
import { EmailKinds } from '../src/domain/emails';
import { inTransaction, type Queryable } from '../src/db/pool';
import { appendTimeline } from '../src/db/timeline';
import {
  type ActionOutcome,
  type ActionRunInput,
  emailAudience,
  emailDetail,
  notificationDetail,
  notificationRecipients,
  optedOutDetail,
  renderTemplate,
  type SendEmailConfig,
  type SendInternalNotificationConfig,
  TimelineKinds,
} from '../src/domain';
import { actionCompletedLine, markActionStarted } from './audit';
import { type ActivityDeps, NonRetryableErrors, requireRecord } from './deps';

/** A Message-ID derived from the send key: a resend after a crash carries the same one. */
export function messageIdFor(key: string): string {
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@pipewright.local>`;
}

/** Tries at recording a sent email, 0.5 s to 8 s apart: long enough to outlast a PostgreSQL restart. */
const MARK_SENT_ATTEMPTS = 6;

export function createEmailActivities({ pool, mailer, mailFrom, newId }: ActivityDeps) {
  /**
   * Sends one message at least once: the ledger row commits before SMTP sees the message, and a retry resends
   * the stored message (same Message-ID) only if SMTP's acceptance was never recorded.
   *
   * Between SMTP accepting the message and the ledger saying so, a crash means a resend, so that gap is kept short:
   * the connection that records it is taken before sending (a worker busy with many activities could otherwise
   * leave sent emails waiting for a free connection, and a crash then resent each), and recording is retried
   * through a PostgreSQL restart rather than failing at its first error.
   */
  async function sendOnce(email: {
    key: string;
    input: ActionRunInput;
    kind: (typeof EmailKinds)[keyof typeof EmailKinds];
    to: string;
    subject: string;
    body: string;
  }): Promise<void> {
    const db = await pool.connect();
    try {
      const stored = await recordOutgoingEmail(db, {
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
      for (let attempt = 1, on: Queryable = db; ; attempt += 1, on = pool) {
        try {
          return await markEmailSent(on, email.key);
        } catch (error) {
          if (attempt === MARK_SENT_ATTEMPTS) throw error;
          await sleep(250 * 2 ** attempt);
        }
      }
    } finally {
      db.release();
    }
  }

  return {
    /** `send_internal_notification`: one email per recipient (listed users and, if asked, the record owner). */
    async sendInternalNotification(input: ActionRunInput<SendInternalNotificationConfig>): Promise<ActionOutcome> {
      const record = await inTransaction(pool, async (db) => {
        await markActionStarted(db, input);
        return requireRecord(db, input.recordId);
      });
      const { recipients, notes } = notificationRecipients(input.config.to, record.ownerId);
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
      const { detail, sent } = notificationDetail(subject, recipients, notes);
      const line = actionCompletedLine(input, detail);
      await appendTimeline(pool, sent ? line : { ...line, kind: TimelineKinds.actionSkipped });
      return { detail };
    },

    /**
     * `send_email` to the record's contacts. Transactional templates (the built-ins, or custom ones marked so) go
     * to every contact; marketing templates only to contacts with `marketing: true`, and each contact left out
     * gets a skip line with the reason.
     */
    async sendEmail(input: ActionRunInput<SendEmailConfig>): Promise<ActionOutcome> {
      const templateId =
        typeof input.config.template === 'string' ? input.config.template : input.config.template.customEmailId;
      const { record, template } = await inTransaction(pool, async (db) => {
        await markActionStarted(db, input);
        return { record: await requireRecord(db, input.recordId), template: await getEmailTemplate(db, templateId) };
      });
      if (!template) {
        throw ApplicationFailure.create({
          type: NonRetryableErrors.invalidAction,
          nonRetryable: true,
          message: `email template "${templateId}" does not exist`,
        });
      }
      const kind = template.transactional ? EmailKinds.transactional : EmailKinds.marketing;
      const subject = renderTemplate(template.subject, record);
      const body = renderTemplate(template.body, record);
      const audience = emailAudience(template.transactional, record.contacts);
      for (const to of audience.optedOut) {
        await appendTimeline(pool, {
          ...actionCompletedLine(input, optedOutDetail(to)),
          kind: TimelineKinds.actionSkipped,
          dedupeKey: `${input.key}:skipped:${to}`,
        });
      }
      for (const to of audience.to) await sendOnce({ key: `${input.key}:${to}`, input, kind, to, subject, body });
      const { detail, sent } = emailDetail({
        kind,
        subject,
        templateId: template.id,
        to: audience.to,
        contacts: record.contacts.length,
      });
      const line = actionCompletedLine(input, detail);
      await appendTimeline(pool, sent ? line : { ...line, kind: TimelineKinds.actionSkipped });
      return { detail };
    },
  };
}
