import type { Enrollment } from '../../../src/domain/enrollments';
import { apiPath } from '../api';
import { ProblemMessage } from '../components/problem';
import { href } from '../router';
import { temporalWorkflowUrl, useApp } from '../session';
import { useResource } from '../use-resource';
import { MaybeWhen, When } from './when';

const POLL_MS = 2_000;
/** The API's largest page: a record enrolled more often than this is a loop worth a look in the timeline. */
const ENROLLMENTS_SHOWN = 500;

const STATUS_ICONS: Record<Enrollment['status'], string> = {
  running: '▶',
  waiting: '◷',
  completed: '✓',
  cancelled: '⊖',
  failed: '✕',
};

/** The record's enrollments in every workflow, newest first, polled (`GET /api/records/:id/enrollments`). */
export function Enrollments({ recordId, workflowNames }: { recordId: string; workflowNames: Map<string, string> }) {
  const { api, session } = useApp();
  const enrollments = useResource(
    async () => {
      const page = await api.get<{ items: Enrollment[]; nextCursor?: string }>(
        `${apiPath`/api/records/${recordId}/enrollments`}?limit=${ENROLLMENTS_SHOWN}`,
      );
      return { items: [...page.items].reverse(), more: page.nextCursor !== undefined };
    },
    recordId,
    { pollMs: POLL_MS },
  );
  const rows = enrollments.data?.items ?? [];

  return (
    <section aria-labelledby="enrollments-heading">
      <h2 id="enrollments-heading">Enrollments</h2>
      <ProblemMessage error={enrollments.error} />
      {!enrollments.data && !enrollments.error && <p class="muted">Reading the enrollments…</p>}
      {enrollments.data && rows.length === 0 && (
        <p class="muted">Not enrolled in any workflow yet; the timeline says why when a workflow turns it down.</p>
      )}
      {enrollments.data?.more && (
        <p class="muted">The first {ENROLLMENTS_SHOWN} enrollments; the timeline has every one.</p>
      )}
      {rows.length > 0 && (
        <ul class="enrollment-list">
          {rows.map((enrollment) => {
            const temporalUrl = temporalWorkflowUrl(session, enrollment.id);
            return (
              <li key={enrollment.id} class="enrollment" data-enrollment-id={enrollment.id}>
                <p class="enrollment-head">
                  <a href={href({ page: 'workflow', workflowId: enrollment.workflowId })}>
                    {workflowNames.get(enrollment.workflowId) ?? enrollment.workflowId}
                  </a>
                  <span class={`status status-${enrollment.status}`}>
                    <span aria-hidden="true">{STATUS_ICONS[enrollment.status]}</span> {enrollment.status}
                  </span>
                </p>
                <dl class="enrollment-facts">
                  <div>
                    <dt>Current action</dt>
                    <dd>{enrollment.currentActionId ? <code>{enrollment.currentActionId}</code> : '—'}</dd>
                  </div>
                  <div>
                    <dt>Wakes</dt>
                    <dd>
                      <MaybeWhen at={enrollment.wakeAt} />
                    </dd>
                  </div>
                  <div>
                    <dt>Started</dt>
                    <dd>
                      <When at={enrollment.startedAt} />
                    </dd>
                  </div>
                  <div>
                    <dt>Ended</dt>
                    <dd>
                      <MaybeWhen at={enrollment.endedAt} />
                    </dd>
                  </div>
                </dl>
                <p class="enrollment-id">
                  <code>{enrollment.id}</code>
                  {temporalUrl && (
                    <>
                      {' '}
                      <a href={temporalUrl} target="_blank" rel="noopener noreferrer">
                        Open in Temporal UI
                      </a>
                    </>
                  )}
                </p>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
