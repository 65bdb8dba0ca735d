import { useState } from 'preact/hooks';
import type { Pipeline, Workflow } from '../../../src/domain';
import type { BackfillProgress } from '../../../src/domain/backfill';
import { type ApiError, apiPath } from '../api';
import { Dialog } from '../components/dialog';
import { DisableDialog } from '../components/disable-dialog';
import { ProblemMessage } from '../components/problem';
import { Switch } from '../components/switch';
import { href } from '../router';
import { useApp } from '../session';
import { triggerInWords } from './format';

/** `GET /api/workflows/:id`: the workflow, with the latest backfill's progress once `enable` was asked for one. */
export type WorkflowView = Workflow & { backfill?: BackfillProgress };

/**
 * The workflow's name, pipeline, trigger and switch. Turning it off asks whether to unenroll everyone; turning a
 * stage-entry workflow on offers to enroll the records already in the stage too.
 */
export function WorkflowHeader({
  workflow,
  pipeline,
  onChanged,
}: {
  workflow: WorkflowView;
  pipeline?: Pipeline;
  onChanged: () => Promise<void>;
}) {
  const { canConfigure } = useApp();
  const [asking, setAsking] = useState(false);
  const { backfill } = workflow;
  return (
    <header class="workflow-header">
      <p class="crumbs">
        <a href={href({ page: 'board', pipelineId: workflow.pipelineId })}>{pipeline?.label ?? workflow.pipelineId}</a>
        <span aria-hidden="true"> › </span>
        <span>Workflow</span>
      </p>
      <div class="workflow-title">
        <h1>{workflow.name}</h1>
        {canConfigure && !workflow.templated ? (
          <Switch
            on={workflow.enabled}
            label={workflow.enabled ? 'Workflow is on' : 'Workflow is off'}
            onToggle={() => setAsking(true)}
          />
        ) : (
          <span class={`state ${workflow.enabled ? 'on' : 'off'}`}>
            {workflow.enabled ? 'Workflow is on' : 'Workflow is off'}
          </span>
        )}
      </div>
      <p class="trigger">
        {triggerInWords(workflow.trigger, pipeline)} · version {workflow.version}
        {workflow.templated && ' · a templated automation, edited on its pipeline’s board'}
      </p>
      {/* Always rendered, so the progress appearing does not push the tabs down. */}
      <p class="backfill" aria-live="polite">
        {backfill &&
          (backfill.status === 'running'
            ? `Enrolling the records already in the stage: ${backfill.enrolled + backfill.skipped} of ${backfill.total} decided (${backfill.enrolled} enrolled, ${backfill.skipped} not)`
            : `Records already in the stage: ${backfill.enrolled} enrolled, ${backfill.skipped} not enrolled`)}
      </p>
      {asking &&
        (workflow.enabled ? (
          <DisableDialog
            workflowId={workflow.id}
            workflowName={workflow.name}
            onDisabled={() => void onChanged().then(() => setAsking(false))}
            onCancel={() => setAsking(false)}
          />
        ) : (
          <TurnOnDialog workflow={workflow} onDone={onChanged} onClose={() => setAsking(false)} />
        ))}
    </header>
  );
}

function TurnOnDialog({
  workflow,
  onDone,
  onClose,
}: {
  workflow: Workflow;
  onDone: () => Promise<void>;
  onClose: () => void;
}) {
  const { api } = useApp();
  const [enrollExisting, setEnrollExisting] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const stageTrigger = workflow.trigger.type === 'stage_entered';
  return (
    <Dialog title={`Turn on “${workflow.name}”?`} onClose={onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setBusy(true);
          api
            .post(
              apiPath`/api/workflows/${workflow.id}/enable`,
              stageTrigger && enrollExisting ? { enrollExisting } : {},
            )
            .then(onDone)
            .then(onClose)
            .catch((caught: ApiError) => {
              setError(caught);
              setBusy(false);
            });
        }}
      >
        <p>Records that meet the trigger from now on are enrolled.</p>
        {stageTrigger && (
          <label class="check">
            <input
              type="checkbox"
              checked={enrollExisting}
              onChange={(event) => setEnrollExisting(event.currentTarget.checked)}
            />
            Also enroll records already in the stage
          </label>
        )}
        <ProblemMessage error={error} />
        <div class="actions-row">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" disabled={busy}>
            Turn on
          </button>
        </div>
      </form>
    </Dialog>
  );
}
