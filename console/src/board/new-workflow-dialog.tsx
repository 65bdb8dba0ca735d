import { useState } from 'preact/hooks';
import type { Stage, Workflow } from '../../../src/domain';
import type { ApiError } from '../api';
import { Dialog } from '../components/dialog';
import { FieldError, fieldErrorId, ProblemMessage } from '../components/problem';
import { useApp } from '../session';

/** Names a new workflow that enrolls records entering `stage`; it is created off, with no actions. */
export function NewWorkflowDialog({
  pipelineId,
  stage,
  onCreated,
  onCancel,
}: {
  pipelineId: string;
  stage: Stage;
  onCreated: (workflow: Workflow) => void;
  onCancel: () => void;
}) {
  const { api } = useApp();
  const [name, setName] = useState('');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const fieldId = `new-workflow-${stage.id}`;

  const create = async () => {
    setBusy(true);
    try {
      const workflow = await api.post<Workflow>('/api/workflows', {
        pipelineId,
        name,
        trigger: { type: 'stage_entered', stageId: stage.id },
      });
      onCreated(workflow);
    } catch (caught) {
      setError(caught as ApiError);
      setBusy(false);
    }
  };

  return (
    <Dialog title={`New workflow in ${stage.label}`} onClose={onCancel}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void create();
        }}
      >
        <p class="hint">
          It runs when a record enters {stage.label}. It starts off; switch it on once it has its actions.
        </p>
        <div class="field">
          <label for={fieldId}>Workflow name</label>
          <input
            id={fieldId}
            value={name}
            aria-describedby={fieldErrorId(fieldId)}
            onInput={(event) => setName(event.currentTarget.value)}
          />
          <FieldError error={error} path="body.name" id={fieldId} />
        </div>
        <ProblemMessage error={error} shownPaths={['body.name']} />
        <div class="actions-row">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" disabled={busy}>
            Create workflow
          </button>
        </div>
      </form>
    </Dialog>
  );
}
