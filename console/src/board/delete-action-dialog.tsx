import { useState } from 'preact/hooks';
import type { Action } from '../../../src/domain';
import { type ApiError, apiPath } from '../api';
import { Dialog } from '../components/dialog';
import { ProblemMessage } from '../components/problem';
import { useApp } from '../session';
import { actionName } from './action-summary';

/** Asks which of the API's two delete modes to use: the action alone, or it and every action after it in its list. */
export function DeleteActionDialog({
  workflowId,
  action,
  onDeleted,
  onCancel,
}: {
  workflowId: string;
  action: Action;
  onDeleted: () => void;
  onCancel: () => void;
}) {
  const { api } = useApp();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const remove = async (mode: 'only' | 'following') => {
    setBusy(true);
    try {
      await api.delete(`${apiPath`/api/workflows/${workflowId}/actions/${action.id}`}?mode=${mode}`);
      onDeleted();
    } catch (caught) {
      setError(caught as ApiError);
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Delete ${actionName(action)}`} onClose={onCancel}>
      <ul class="hint">
        <li>Only this action: its neighbours are joined; an enrollment at it goes on with the next action.</li>
        <li>This action and all following: the rest of its list goes too; an enrollment at any of them ends.</li>
      </ul>
      <ProblemMessage error={error} />
      <div class="actions-row">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" class="danger" disabled={busy} onClick={() => void remove('only')}>
          Delete only this action
        </button>
        <button type="button" class="danger" disabled={busy} onClick={() => void remove('following')}>
          Delete this action and all following
        </button>
      </div>
    </Dialog>
  );
}
