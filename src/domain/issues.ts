import { z } from 'zod';
import { TimelineKinds } from './events';

/** The timeline lines an operator looks into (`GET /api/workflows/:id/issues`): failures, skips, refusals. */
export const IssueKinds = {
  actionFailed: TimelineKinds.actionFailed,
  actionSkipped: TimelineKinds.actionSkipped,
  notEnrolled: TimelineKinds.notEnrolled,
} as const;
export type IssueKind = (typeof IssueKinds)[keyof typeof IssueKinds];

const ISSUE_KINDS: readonly string[] = Object.values(IssueKinds);

export const isIssueKind = (kind: string): kind is IssueKind => ISSUE_KINDS.includes(kind);

/** Longer reasons are cut here (and end in "…"): a reason is a grouping key, and PostgreSQL indexes it. */
export const ISSUE_REASON_MAX_LENGTH = 400;

/** An absolute http(s) URL: what comes after its origin is replaced. */
const URL_PATH = /\b(https?:\/\/[^\s/?#]+)\/[^\s?#]*/g;
const EMAIL_ADDRESS = /[\w.!#$%&'*+/=?^`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;

/**
 * The reason a timeline line is counted under: its detail with the two parts that differ from record to record
 * taken out, so that one cause is one row. A webhook's URL path (placeholders such as `{{record.id}}` are filled in
 * there; its host is fixed) becomes `…`, and an email address (a contact's, an owner's, or one quoted in an SMTP
 * error) becomes `<email>`. Everything else the engine writes on these lines names the cause itself (a status code,
 * a stage, a property, a template, a rule), so it is kept as written; the record's own timeline keeps the full text.
 */
export function issueReason(detail: string): string {
  const reason = detail.replace(URL_PATH, '$1/…').replace(EMAIL_ADDRESS, '<email>');
  return reason.length > ISSUE_REASON_MAX_LENGTH ? `${reason.slice(0, ISSUE_REASON_MAX_LENGTH - 1)}…` : reason;
}

/** How many record ids a group shows at most. */
export const ISSUE_SAMPLE_RECORDS = 5;

/** One row of `GET /api/workflows/:id/issues`: the lines of one action (or of the enrollment), kind and reason. */
export const WorkflowIssueSchema = z.object({
  actionId: z.string().optional().describe('absent for `not_enrolled`: the record never reached an action'),
  kind: z.enum([IssueKinds.actionFailed, IssueKinds.actionSkipped, IssueKinds.notEnrolled]),
  reason: z.string().describe('the lines’ detail, with URL paths and email addresses taken out'),
  count: z.number().int().positive(),
  firstAt: z.iso.datetime(),
  lastAt: z.iso.datetime(),
  sampleRecordIds: z
    .array(z.string())
    .max(ISSUE_SAMPLE_RECORDS)
    .describe('distinct records that have such a line, the most recent first'),
});
export type WorkflowIssue = z.infer<typeof WorkflowIssueSchema>;
