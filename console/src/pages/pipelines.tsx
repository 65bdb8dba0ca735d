import type { Pipeline } from '../../../src/domain';
import { ProblemMessage } from '../components/problem';
import { href } from '../router';
import { useApp } from '../session';
import { useResource } from '../use-resource';

/** Every pipeline, each opening as its board. */
export function PipelinesPage() {
  const { api } = useApp();
  const pipelines = useResource(() => api.get<{ items: Pipeline[] }>('/api/pipelines?limit=200'), 'pipelines');
  return (
    <section>
      <h1>Pipelines</h1>
      <ProblemMessage error={pipelines.error} />
      {pipelines.data && pipelines.data.items.length === 0 && <p>No pipelines yet.</p>}
      <ul class="pipeline-list">
        {pipelines.data?.items.map((pipeline) => (
          <li key={pipeline.id}>
            <a href={href({ page: 'board', pipelineId: pipeline.id })}>{pipeline.label}</a>{' '}
            <span class="muted">
              {pipeline.objectType} · {pipeline.stages.length} stages
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
