import fc from 'fast-check';
import { ISSUE_REASON_MAX_LENGTH, isIssueKind, issueReason } from '../../src/domain/issues';

describe('issueReason', () => {
  it('takes the path out of a webhook URL: placeholders fill it in per record, the host is fixed', () => {
    expect(issueReason('webhook failed: POST https://crm.example/contacts/rec-1a2b → 404')).toBe(
      'webhook failed: POST https://crm.example/… → 404',
    );
    expect(issueReason('webhook failed: PUT http://127.0.0.1:4321/ failed: connect ECONNREFUSED 127.0.0.1:4321')).toBe(
      'webhook failed: PUT http://127.0.0.1:4321/… failed: connect ECONNREFUSED 127.0.0.1:4321',
    );
    expect(issueReason('webhook failed: POST https://h.example/[secrets.path]/x refused: a private address')).toBe(
      'webhook failed: POST https://h.example/… refused: a private address',
    );
  });

  it('takes email addresses out', () => {
    expect(issueReason('not sent to ann.lee+crm@example.co.uk: the contact has not opted in to marketing email')).toBe(
      'not sent to <email>: the contact has not opted in to marketing email',
    );
    expect(issueReason('send_email failed: 550 5.1.1 <bob@example.com>: Recipient address rejected')).toBe(
      'send_email failed: 550 5.1.1 <<email>>: Recipient address rejected',
    );
  });

  it('keeps details that name the cause as written', () => {
    for (const detail of [
      'not enrolled: the workflow is off',
      'not enrolled: the record already left stage "qualified" (it is in "won")',
      'no email sent: the record has no contacts',
      'delay skipped: property "renewal" is not a date',
      'set_stage failed: stage "gone" is not in pipeline "deals"',
    ]) {
      expect(issueReason(detail)).toBe(detail);
    }
  });

  it('gives every record the same reason for the same cause, and is stable when applied again', () => {
    fc.assert(
      fc.property(
        fc.array(fc.webSegment()),
        fc.emailAddress(),
        fc.integer({ min: 400, max: 599 }),
        (path, email, status) => {
          const reason = issueReason(
            `webhook failed: POST https://api.example/${path.join('/')} → ${status} for ${email}`,
          );
          expect(reason).toBe(`webhook failed: POST https://api.example/… → ${status} for <email>`);
          expect(issueReason(reason)).toBe(reason);
        },
      ),
    );
  });

  it(`cuts a reason at ${ISSUE_REASON_MAX_LENGTH} characters`, () => {
    fc.assert(
      fc.property(fc.string({ minLength: 0, maxLength: 2_000 }), (detail) => {
        expect(issueReason(detail).length).toBeLessThanOrEqual(ISSUE_REASON_MAX_LENGTH);
      }),
    );
    expect(issueReason('x'.repeat(1_000))).toBe(`${'x'.repeat(ISSUE_REASON_MAX_LENGTH - 1)}…`);
  });
});

describe('isIssueKind', () => {
  it('is true for failures, skips and refusals only', () => {
    expect(['action_failed', 'action_skipped', 'not_enrolled'].every(isIssueKind)).toBe(true);
    expect(['action_completed', 'enrolled', 'stage_entered', 'unenrolled'].some(isIssueKind)).toBe(false);
  });
});
