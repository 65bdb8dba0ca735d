import { useState } from 'preact/hooks';
import type { Action, Comment } from '../../../src/domain';
import { type ApiError, apiPath } from '../api';
import { Dialog } from '../components/dialog';
import { FieldError, fieldErrorId, ProblemMessage } from '../components/problem';
import { useApp } from '../session';
import { useResource } from '../use-resource';
import { actionName } from './action-summary';

/** An action's comments, oldest first, and (for those who may configure) a form to add one. */
export function CommentsDialog({
  workflowId,
  action,
  onAdded,
  onClose,
}: {
  workflowId: string;
  action: Action;
  onAdded: () => Promise<void>;
  onClose: () => void;
}) {
  const { api, canConfigure } = useApp();
  const path = apiPath`/api/workflows/${workflowId}/actions/${action.id}/comments`;
  const comments = useResource(() => api.get<{ items: Comment[] }>(`${path}?limit=500`), path);
  const [body, setBody] = useState('');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const fieldId = `comment-${action.id}`;

  const add = async () => {
    setBusy(true);
    try {
      await api.post(path, { body });
      setBody('');
      setError(undefined);
      await Promise.all([comments.reload(), onAdded()]);
    } catch (caught) {
      setError(caught as ApiError);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={`Comments on ${actionName(action)}`} onClose={onClose}>
      <ProblemMessage error={comments.error} />
      {comments.data?.items.length === 0 && <p class="muted">No comments yet.</p>}
      <ol class="comment-list">
        {comments.data?.items.map((comment) => (
          <li key={comment.id}>
            <p class="comment-meta">
              <strong>{comment.by}</strong> <time dateTime={comment.at}>{new Date(comment.at).toLocaleString()}</time>
            </p>
            <p class="comment-body">{comment.body}</p>
          </li>
        ))}
      </ol>
      {canConfigure && (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void add();
          }}
        >
          <div class="field">
            <label for={fieldId}>New comment</label>
            <textarea
              id={fieldId}
              rows={3}
              value={body}
              aria-describedby={fieldErrorId(fieldId)}
              onInput={(event) => setBody(event.currentTarget.value)}
            />
            <FieldError error={error} path="body.body" id={fieldId} />
          </div>
          <ProblemMessage error={error} shownPaths={['body.body']} />
          <div class="actions-row">
            <button type="button" onClick={onClose}>
              Close
            </button>
            <button type="submit" disabled={busy}>
              Add comment
            </button>
          </div>
        </form>
      )}
      {!canConfigure && (
        <div class="actions-row">
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      )}
    </Dialog>
  );
}
