import type { Workflow } from '../../../src/domain';
import type { Enrollment } from '../../../src/domain/enrollments';
import { apiPath } from '../api';
import { ProblemMessage } from '../components/problem';
import { href } from '../router';
import { temporalWorkflowUrl, useApp } from '../session';
import { useResource } from '../use-resource';
import { MaybeWhen, When } from './when';

const POLL_MS = 2_000;

const STATUS_ICONS: Record<Enrollment['status'], string> = {
  running: '▶',
  waiting: '◷',
  completed: '✓',
  cancelled: '⊖',
  failed: '✕',
};

/**
 * The record's enrollments in each workflow of its pipeline, polled: there is no route for a record's enrollments
 * across workflows, so it asks each workflow (`GET /api/workflows/:id/enrollments?recordId=`).
 */
/** `workflows` is undefined while the pipeline's workflows are being read. */
export function Enrollments({ recordId, workflows }: { recordId: string; workflows?: Workflow[] }) {
  const { api, session } = useApp();
  const enrollments = useResource(
    async () => {
      if (!workflows) return undefined;
      const lists = await Promise.all(
        workflows.map((workflow) =>
          api.get<{ items: Enrollment[] }>(
            `${apiPath`/api/workflows/${workflow.id}/enrollments`}?${new URLSearchParams({ recordId, limit: '500' }).toString()}`,
          ),
        ),
      );
      return workflows.flatMap((workflow, position) =>
        (lists[position]?.items ?? []).map((enrollment) => ({ workflow, enrollment })),
      );
    },
    `${recordId} ${workflows?.map((workflow) => workflow.id).join(' ') ?? ''}`,
    { pollMs: POLL_MS },
  );
  const rows = [...(enrollments.data ?? [])].sort((a, b) =>
    b.enrollment.startedAt.localeCompare(a.enrollment.startedAt),
  );

  return (
    <section aria-labelledby="enrollments-heading">
      <h2 id="enrollments-heading">Enrollments</h2>
      <ProblemMessage error={enrollments.error} />
      {!enrollments.data && !enrollments.error && <p class="muted">Reading the enrollments…</p>}
      {enrollments.data && rows.length === 0 && (
        <p class="muted">Not enrolled in any workflow of this pipeline. The timeline says why.</p>
      )}
      {rows.length > 0 && (
        <ul class="enrollment-list">
          {rows.map(({ workflow, enrollment }) => {
            const temporalUrl = temporalWorkflowUrl(session, enrollment.id);
            return (
              <li key={enrollment.id} class="enrollment" data-enrollment-id={enrollment.id}>
                <p class="enrollment-head">
                  <a href={href({ page: 'workflow', workflowId: workflow.id })}>{workflow.name}</a>
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
