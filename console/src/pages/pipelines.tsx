import type { Pipeline } from '../../../src/domain';
import { NewPipelineForm } from '../board/new-pipeline-form';
import { ProblemMessage } from '../components/problem';
import { href, navigate } from '../router';
import { useApp } from '../session';
import { useResource } from '../use-resource';
import '../styles/board.css';

/** Every pipeline, each opening as its board, and (for those who may configure) a form to create one. */
export function PipelinesPage() {
  const { api, canConfigure } = useApp();
  const pipelines = useResource(() => api.get<{ items: Pipeline[] }>('/api/pipelines?limit=500'), 'pipelines');
  return (
    <section class="pipelines-page">
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
      {canConfigure && (
        <NewPipelineForm onCreated={(pipeline) => navigate({ page: 'board', pipelineId: pipeline.id })} />
      )}
    </section>
  );
}
