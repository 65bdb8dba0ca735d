import { useRef } from 'preact/hooks';
import type { Stage, Workflow } from '../../../src/domain';
import { useApp } from '../session';
import { NewWorkflowDialog } from './new-workflow-dialog';
import { useDialog } from './use-dialog';
import { WorkflowCard } from './workflow-card';

/** A stage as a column: the workflows that run when a record enters it, and "+ New workflow". */
export function StageColumn({
  pipelineId,
  stage,
  workflows,
  onChanged,
}: {
  pipelineId: string;
  stage: Stage;
  workflows: Workflow[];
  onChanged: () => Promise<void>;
}) {
  const { canConfigure } = useApp();
  const root = useRef<HTMLElement>(null);
  const dialog = useDialog<'new-workflow'>(root);
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
      {dialog.open && (
        <NewWorkflowDialog
          pipelineId={pipelineId}
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
