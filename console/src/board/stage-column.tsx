import { useRef } from 'preact/hooks';
import type { Pipeline, Stage, Workflow } from '../../../src/domain';
import { NewRecordDialog } from '../records/new-record-dialog';
import { navigate } from '../router';
import { useApp } from '../session';
import { NewWorkflowDialog } from './new-workflow-dialog';
import { useDialog } from './use-dialog';
import { WorkflowCard } from './workflow-card';

/**
 * A stage as a column: the workflows that run when a record enters it, "+ New workflow", and "+ New record" (a record
 * created in the stage enters it: the quick way to watch the column's automations run).
 */
export function StageColumn({
  pipeline,
  stage,
  workflows,
  onChanged,
}: {
  pipeline: Pipeline;
  stage: Stage;
  workflows: Workflow[];
  onChanged: () => Promise<void>;
}) {
  const { canConfigure, canIngest } = useApp();
  const root = useRef<HTMLElement>(null);
  const dialog = useDialog<'new-workflow' | 'new-record'>(root);
  const headingId = `stage-${stage.id}`;
  return (
    <section class="stage-column" ref={root} aria-labelledby={headingId}>
      <header class="stage-head">
        <h2 id={headingId}>{stage.label}</h2>
        {stage.state === 'closed' && <span class="badge">closed</span>}
      </header>
      {workflows.length === 0 && <p class="muted">No workflow runs when a record enters {stage.label}.</p>}
      {workflows.map((workflow) => (
        <WorkflowCard key={workflow.id} workflow={workflow} onChanged={onChanged} />
      ))}
      {canConfigure && (
        <button
          type="button"
          class="new-workflow"
          aria-label={`New workflow in ${stage.label}`}
          onClick={() => dialog.show('new-workflow')}
        >
          + New workflow
        </button>
      )}
      {canIngest && (
        <button
          type="button"
          class="new-record"
          aria-label={`New record in ${stage.label}`}
          onClick={() => dialog.show('new-record')}
        >
          + New record
        </button>
      )}
      {dialog.open === 'new-record' && (
        <NewRecordDialog
          pipeline={pipeline}
          stageId={stage.id}
          onCreated={(record) => navigate({ page: 'record', recordId: record.id })}
          onClose={() => dialog.close()}
        />
      )}
      {dialog.open === 'new-workflow' && (
        <NewWorkflowDialog
          pipelineId={pipeline.id}
          stage={stage}
          onCreated={(workflow) => {
            void onChanged().then(() => dialog.close(`#${CSS.escape(`workflow-${workflow.id}`)} a`));
          }}
          onCancel={() => dialog.close()}
        />
      )}
    </section>
  );
}
