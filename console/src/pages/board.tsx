import type { Pipeline, Trigger, Workflow } from '../../../src/domain';
import { apiPath } from '../api';
import { StageColumn } from '../board/stage-column';
import { TicketAutomations } from '../board/ticket-automations';
import { WorkflowCard } from '../board/workflow-card';
import { ProblemMessage } from '../components/problem';
import { href } from '../router';
import { useApp } from '../session';
import { useResource } from '../use-resource';
import '../styles/board.css';

/** How often the board reads the workflows again, so that another admin's change shows without a reload. */
const POLL_MS = 5_000;

/**
 * A pipeline as a board: one column per stage, in order, each with the workflows that run when a record enters it;
 * workflows with another trigger below; a ticket pipeline's templated automations above.
 */
export function BoardPage({ pipelineId }: { pipelineId: string }) {
  const { api } = useApp();
  const pipeline = useResource(() => api.get<Pipeline>(apiPath`/api/pipelines/${pipelineId}`), pipelineId);
  const workflows = useResource(
    () => api.get<{ items: Workflow[] }>(`/api/workflows?pipelineId=${encodeURIComponent(pipelineId)}&limit=500`),
    pipelineId,
    { pollMs: POLL_MS },
  );

  if (!pipeline.data) {
    return (
      <section>
        <h1>{pipeline.error ? 'Pipeline not found' : 'Loading the pipeline…'}</h1>
        <ProblemMessage error={pipeline.error} />
      </section>
    );
  }
  const current = pipeline.data;
  const { stages } = current;
  const items = workflows.data?.items ?? [];
  const stageIds = new Set(stages.map((stage) => stage.id));
  const onStage = (stageId: string) =>
    items.filter((workflow) => workflow.trigger.type === 'stage_entered' && workflow.trigger.stageId === stageId);
  const others = items.filter(
    (workflow) => workflow.trigger.type !== 'stage_entered' || !stageIds.has(workflow.trigger.stageId),
  );

  return (
    <section class="board-page">
      <p class="breadcrumb">
        <a href={href({ page: 'pipelines' })}>Pipelines</a>
      </p>
      <h1>
        {pipeline.data.label} <span class="muted pipeline-type">{pipeline.data.objectType}</span>
      </h1>
      {pipeline.data.objectType === 'ticket' && <TicketAutomations pipeline={pipeline.data} />}
      <ProblemMessage error={workflows.error} />
      <div class="board">
        {stages.map((stage) => (
          <StageColumn
            key={stage.id}
            pipeline={current}
            stage={stage}
            workflows={onStage(stage.id)}
            onChanged={workflows.reload}
          />
        ))}
      </div>
      {others.length > 0 && (
        <section class="other-triggers" aria-labelledby="other-triggers-title">
          <h2 id="other-triggers-title">Other triggers</h2>
          <div class="other-list">
            {others.map((workflow) => (
              <WorkflowCard
                key={workflow.id}
                workflow={workflow}
                onChanged={workflows.reload}
                subtitle={triggerText(workflow.trigger)}
              />
            ))}
          </div>
        </section>
      )}
    </section>
  );
}

function triggerText(trigger: Trigger): string {
  switch (trigger.type) {
    case 'stage_entered':
      return `When a record enters ${trigger.stageId} (not a stage of this pipeline)`;
    case 'property_changed':
      return `When ${trigger.property} changes`;
    case 'ticket_email':
      return trigger.on === 'customer_replied' ? 'When the customer replies' : 'When an email is sent to the customer';
  }
}
