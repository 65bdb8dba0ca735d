import { useMemo } from 'preact/hooks';
import type { CrmRecord, Pipeline, Workflow } from '../../../src/domain';
import { apiPath } from '../api';
import { ProblemMessage } from '../components/problem';
import { Enrollments } from '../record/enrollments';
import { RecordHeader } from '../record/record-header';
import { Emails, Tasks } from '../record/results';
import { Timeline } from '../record/timeline';
import { useApp } from '../session';
import { useResource } from '../use-resource';
import '../styles/record.css';

/** How often the record itself is read again: a move or a property change shows without a reload. */
const RECORD_POLL_MS = 2_000;
/** Workflows change rarely; a new one of the pipeline shows its enrollments within this. */
const WORKFLOWS_POLL_MS = 15_000;

/**
 * One record and what automation did with it: the record, its timeline (why each thing ran or did not), its
 * enrollments, and the tasks and emails they produced, all kept up to date while the page is open.
 */
export function RecordPage({ recordId }: { recordId: string; tab?: string }) {
  const { api, canRead } = useApp();
  const record = useResource(() => api.get<CrmRecord>(apiPath`/api/records/${recordId}`), recordId, {
    pollMs: RECORD_POLL_MS,
  });
  // A token that reads records only (integration) sees the record, its timeline and its enrollments, by id.
  const pipelineId = canRead ? record.data?.pipelineId : undefined;
  const pipeline = useResource(
    () => (pipelineId ? api.get<Pipeline>(apiPath`/api/pipelines/${pipelineId}`) : Promise.resolve(undefined)),
    pipelineId ?? '',
  );
  const workflows = useResource(
    async () =>
      pipelineId
        ? (
            await api.get<{ items: Workflow[] }>(
              `/api/workflows?${new URLSearchParams({ pipelineId, limit: '500' }).toString()}`,
            )
          ).items
        : undefined,
    pipelineId ?? '',
    { pollMs: WORKFLOWS_POLL_MS },
  );
  const workflowNames = useMemo(
    () => new Map((workflows.data ?? []).map((workflow) => [workflow.id, workflow.name])),
    [workflows.data],
  );

  // The header waits for the pipeline too (unless it cannot be read), so the stage shows its label at once.
  if (!record.data || (pipelineId && !pipeline.data && !pipeline.error)) {
    if (!record.data && record.error?.problem.status === 404) {
      return (
        <section class="record-page">
          <h1>No record {recordId}</h1>
          <ProblemMessage error={record.error} />
        </section>
      );
    }
    return (
      <section class="record-page">
        <h1>
          <code class="record-id">{recordId}</code>
        </h1>
        <ProblemMessage error={record.error} />
        {!record.error && <p class="muted">Reading the record…</p>}
      </section>
    );
  }

  return (
    <article class="record-page">
      <RecordHeader record={record.data} pipeline={pipeline.data} onMoved={() => void record.reload()} />
      <ProblemMessage error={record.error ?? pipeline.error ?? workflows.error} />
      <div class="record-layout">
        <Timeline recordId={recordId} workflowNames={workflowNames} />
        <div class="record-side">
          <Enrollments recordId={recordId} workflowNames={workflowNames} />
          {canRead && <Tasks recordId={recordId} />}
          {canRead && <Emails recordId={recordId} />}
        </div>
      </div>
    </article>
  );
}
