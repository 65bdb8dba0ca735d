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
export function Enrollments({ recordId, workflows }: { recordId: string; workflows: Workflow[] }) {
  const { api, session } = useApp();
  const enrollments = useResource(
    async () => {
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
    `${recordId} ${workflows.map((workflow) => workflow.id).join(' ')}`,
    { pollMs: POLL_MS },
  );
  const rows = [...(enrollments.data ?? [])].sort((a, b) =>
    b.enrollment.startedAt.localeCompare(a.enrollment.startedAt),
  );

  return (
    <section class="record-section" aria-labelledby="enrollments-heading">
      <h2 id="enrollments-heading">Enrollments</h2>
      <ProblemMessage error={enrollments.error} />
      {enrollments.data && rows.length === 0 && (
        <p class="muted">Not enrolled in any workflow of this pipeline. The timeline says why.</p>
      )}
      {rows.length > 0 && (
        <div class="table-wrap">
          <table class="record-table">
            <thead>
              <tr>
                <th scope="col">Workflow</th>
                <th scope="col">Status</th>
                <th scope="col">Current action</th>
                <th scope="col">Wakes</th>
                <th scope="col">Started</th>
                <th scope="col">Ended</th>
                <th scope="col">Temporal</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ workflow, enrollment }) => {
                const temporalUrl = temporalWorkflowUrl(session, enrollment.id);
                return (
                  <tr key={enrollment.id} data-enrollment-id={enrollment.id}>
                    <th scope="row">
                      <a href={href({ page: 'workflow', workflowId: workflow.id })}>{workflow.name}</a>
                    </th>
                    <td>
                      <span class={`status status-${enrollment.status}`}>
                        <span aria-hidden="true">{STATUS_ICONS[enrollment.status]}</span> {enrollment.status}
                      </span>
                    </td>
                    <td>{enrollment.currentActionId ? <code>{enrollment.currentActionId}</code> : '—'}</td>
                    <td>
                      <MaybeWhen at={enrollment.wakeAt} />
                    </td>
                    <td>
                      <When at={enrollment.startedAt} />
                    </td>
                    <td>
                      <MaybeWhen at={enrollment.endedAt} />
                    </td>
                    <td>
                      {temporalUrl ? (
                        <a href={temporalUrl} target="_blank" rel="noopener noreferrer">
                          Open in Temporal UI
                        </a>
                      ) : (
                        <span class="muted" title="The API was not told where the Temporal UI is">
                          —
                        </span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
