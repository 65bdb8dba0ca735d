import { useEffect, useState } from 'preact/hooks';
import type { Enrollment, EnrollmentStatus } from '../../../src/domain/enrollments';
import { type ApiError, apiPath } from '../api';
import { FieldError, fieldErrorId, ProblemMessage } from '../components/problem';
import { href } from '../router';
import { temporalWorkflowUrl, useApp } from '../session';
import { useResource } from '../use-resource';
import { Time } from './format';
import type { WorkflowView } from './header';

const STATUSES = ['running', 'waiting', 'completed', 'cancelled', 'failed'] as const satisfies EnrollmentStatus[];
const PAGE_SIZE = 50;

interface EnrollmentList {
  items: Enrollment[];
  /** Whether a page follows those read. */
  more: boolean;
}

/**
 * The workflow's enrollments, oldest first as the API lists them, refreshed every 3 s while the tab is open: the
 * pages read so far ("More" adds one) are read again, so new enrollments appear at the end and statuses move on in
 * place. A configure role may enroll a record by hand and unenroll one.
 */
export function EnrollmentsTab({
  workflow,
  onTestRun,
}: {
  workflow: WorkflowView;
  onTestRun: (recordId: string) => void;
}) {
  const { api, session, canConfigure } = useApp();
  const [status, setStatus] = useState<EnrollmentStatus | ''>('');
  const [pages, setPages] = useState(1);
  const [note, setNote] = useState('');
  const [error, setError] = useState<ApiError>();

  const enrollments = useResource(
    async (): Promise<EnrollmentList> => {
      const items: Enrollment[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < pages; page += 1) {
        const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
        if (status) query.set('status', status);
        if (cursor) query.set('cursor', cursor);
        const answer = await api.get<{ items: Enrollment[]; nextCursor?: string }>(
          `${apiPath`/api/workflows/${workflow.id}/enrollments`}?${query.toString()}`,
        );
        items.push(...answer.items);
        cursor = answer.nextCursor;
        if (!cursor) break;
      }
      return { items, more: cursor !== undefined };
    },
    `${workflow.id}:${status}`,
    { pollMs: 3_000 },
  );
  // "More" reads one page further without clearing what is on screen.
  useEffect(() => {
    if (pages > 1) void enrollments.reload();
  }, [pages]);

  const unenroll = async (recordId: string) => {
    try {
      const answer = await api.post<{ unenrolled: string[] }>(
        apiPath`/api/workflows/${workflow.id}/enrollments/unenroll`,
        { recordId },
      );
      setError(undefined);
      setNote(`Unenrolled ${recordId}: ${answer.unenrolled.length} enrollment(s) ended.`);
      await enrollments.reload();
    } catch (caught) {
      setError(caught as ApiError);
    }
  };

  const items = enrollments.data?.items;
  return (
    <div class="enrollments">
      {canConfigure && !workflow.templated && (
        <EnrollForm
          workflowId={workflow.id}
          onEnrolled={async (text) => {
            setNote(text);
            await enrollments.reload();
          }}
        />
      )}
      <div class="list-tools">
        <label for="enrollment-status">Status</label>
        <select
          id="enrollment-status"
          value={status}
          onChange={(event) => {
            setStatus(event.currentTarget.value as EnrollmentStatus | '');
            setPages(1);
          }}
        >
          <option value="">All</option>
          {STATUSES.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        <span role="status" class="note">
          {note}
        </span>
      </div>
      <ProblemMessage error={error ?? enrollments.error} />
      <div class="table-box" aria-busy={enrollments.loading}>
        {items && items.length === 0 && (
          <p class="empty">{status ? `No ${status} enrollments.` : 'No enrollments yet.'}</p>
        )}
        {items && items.length > 0 && (
          <table class="cards">
            <caption class="visually-hidden">Enrollments of {workflow.name}</caption>
            <thead>
              <tr>
                <th scope="col">Record</th>
                <th scope="col">Status</th>
                <th scope="col">Current action</th>
                <th scope="col">Wakes at</th>
                <th scope="col">Started</th>
                <th scope="col">Ended</th>
                <th scope="col">
                  <span class="visually-hidden">Links and actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((enrollment) => {
                const temporalUrl = temporalWorkflowUrl(session, enrollment.id);
                const live = enrollment.status === 'running' || enrollment.status === 'waiting';
                return (
                  <tr key={enrollment.id} data-enrollment-id={enrollment.id}>
                    <td data-label="Record">
                      <a href={href({ page: 'record', recordId: enrollment.recordId })}>{enrollment.recordId}</a>
                    </td>
                    <td data-label="Status">
                      <span class={`status status-${enrollment.status}`}>{enrollment.status}</span>
                    </td>
                    <td data-label="Current action">
                      {enrollment.currentActionId ? (
                        <code>{enrollment.currentActionId}</code>
                      ) : (
                        <span class="muted">—</span>
                      )}
                    </td>
                    <td data-label="Wakes at">
                      <Time at={enrollment.wakeAt} />
                    </td>
                    <td data-label="Started">
                      <Time at={enrollment.startedAt} />
                    </td>
                    <td data-label="Ended">
                      <Time at={enrollment.endedAt} />
                    </td>
                    <td>
                      <div class="row-actions">
                        {temporalUrl && (
                          <a
                            href={temporalUrl}
                            target="_blank"
                            rel="noopener noreferrer"
                            aria-label={`Temporal UI: the enrollment of ${enrollment.recordId}`}
                          >
                            Temporal UI
                          </a>
                        )}
                        {canConfigure && (
                          <a
                            href={href({ page: 'workflow', workflowId: workflow.id, tab: 'test' })}
                            aria-label={`Test run: ${enrollment.recordId}`}
                            onClick={() => onTestRun(enrollment.recordId)}
                          >
                            Test run
                          </a>
                        )}
                        {canConfigure && live && !workflow.templated && (
                          <button
                            type="button"
                            aria-label={`Unenroll ${enrollment.recordId}`}
                            onClick={() => void unenroll(enrollment.recordId)}
                          >
                            Unenroll
                          </button>
                        )}
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </div>
      {enrollments.data?.more && (
        <button type="button" onClick={() => setPages(pages + 1)}>
          More
        </button>
      )}
    </div>
  );
}

/** Enrolls one record by hand; a refusal (422) names the reason beside the record field. */
function EnrollForm({ workflowId, onEnrolled }: { workflowId: string; onEnrolled: (note: string) => Promise<void> }) {
  const { api } = useApp();
  const [recordId, setRecordId] = useState('');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="enroll-form"
      onSubmit={(event) => {
        event.preventDefault();
        setBusy(true);
        api
          .post<{ enrollmentId: string }>(apiPath`/api/workflows/${workflowId}/enrollments`, {
            recordId: recordId.trim(),
          })
          .then(async (answer) => {
            setError(undefined);
            setRecordId('');
            await onEnrolled(`Enrolled ${recordId.trim()} (${answer.enrollmentId}).`);
          })
          .catch((caught: ApiError) => setError(caught))
          .finally(() => setBusy(false));
      }}
    >
      <div class="field">
        <label for="enroll-record">Enroll a record</label>
        <div class="inline">
          <input
            id="enroll-record"
            value={recordId}
            placeholder="record id"
            required
            aria-describedby={fieldErrorId('enroll-record')}
            onInput={(event) => setRecordId(event.currentTarget.value)}
          />
          <button type="submit" disabled={busy}>
            Enroll
          </button>
        </div>
        <FieldError error={error} path="recordId" id="enroll-record" />
      </div>
      <ProblemMessage error={error} shownPaths={['recordId']} />
    </form>
  );
}
