import { useState } from 'preact/hooks';
import { type ApiError, apiPath } from '../api';
import { Dialog } from './dialog';
import { ProblemMessage } from './problem';
import { useApp } from '../session';

/**
 * Turning a workflow off, from the board or its page: records already enrolled either go on (every action with side
 * effects is then skipped) or are unenrolled, as `POST …/disable { unenroll }` offers.
 */
export function DisableDialog({
  workflowId,
  workflowName,
  onDisabled,
  onCancel,
}: {
  workflowId: string;
  workflowName: string;
  onDisabled: () => void;
  onCancel: () => void;
}) {
  const { api } = useApp();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const disable = async (unenroll: boolean) => {
    setBusy(true);
    try {
      await api.post(apiPath`/api/workflows/${workflowId}/disable`, { unenroll });
      onDisabled();
    } catch (caught) {
      setError(caught as ApiError);
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Turn off ${workflowName}`} onClose={onCancel}>
      <p>Unenroll every record currently enrolled?</p>
      <p class="hint">
        If they stay enrolled, they keep going through delays and branches, but their other actions are skipped while
        the workflow is off.
      </p>
      <ProblemMessage error={error} />
      <div class="actions-row">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" disabled={busy} onClick={() => void disable(false)}>
          Turn off, keep them enrolled
        </button>
        <button type="button" class="danger" disabled={busy} onClick={() => void disable(true)}>
          Turn off and unenroll them
        </button>
      </div>
    </Dialog>
  );
}
