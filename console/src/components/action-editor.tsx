import { useEffect, useRef, useState } from 'preact/hooks';
import type { Action } from '../../../src/domain';
import { ApiError, apiPath } from '../api';
import { ActionTypeLabels } from '../board/action-summary';
import { type Draft, draftFrom, shownPaths, valueFrom } from '../schema-form/draft';
import { Field } from '../schema-form/fields';
import { loadActionTypes } from '../schema-form/openapi';
import type { ActionTypeModel } from '../schema-form/schema';
import { useApp } from '../session';
import { Dialog } from './dialog';
import { ProblemMessage } from './problem';
import '../styles/action-editor.css';

/** Where a new action goes, as `POST /api/workflows/:id/actions` takes it. */
export interface ActionPlace {
  /** `null`: first in its list; absent: last. */
  after?: string | null;
  parent?: { actionId: string; branch: string };
}

export type ActionEditorMode = { kind: 'add'; place: ActionPlace } | { kind: 'edit'; action: Action };

export interface ActionEditorProps {
  workflowId: string;
  mode: ActionEditorMode;
  /** After the API accepted the change, with the action as it answered. */
  onSaved: (action: Action) => void;
  onCancel: () => void;
}

const TYPE_SELECT_ID = 'action-type';

/** A type's name as the board's cards write it; the schema's own (humanized) for a type the console has no name for. */
const typeLabel = (model: ActionTypeModel): string =>
  (ActionTypeLabels as Partial<Record<string, string>>)[model.type] ?? model.label;
const CONFIG_ID = 'action-config';

/**
 * A dialog to add an action of any registered type, or to edit one's config, with a form generated from the action's
 * schema in `/openapi.json`; the API's messages appear beside the fields they name, and the dialog stays open until
 * it accepts the change. A branch's nested actions are not edited here: they are sent back as they were (empty for a
 * new branch), and the board adds actions inside a branch with its own "+".
 */
export function ActionEditor({ workflowId, mode, onSaved, onCancel }: ActionEditorProps) {
  const { api } = useApp();
  const [types, setTypes] = useState<ActionTypeModel[]>();
  const [type, setType] = useState(mode.kind === 'edit' ? mode.action.type : '');
  const [draft, setDraft] = useState<Draft>();
  const [error, setError] = useState<ApiError>();
  const [saving, setSaving] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  useEffect(() => {
    loadActionTypes().then(
      (loaded) => {
        setTypes(loaded);
        const editing =
          mode.kind === 'edit' ? loaded.find((candidate) => candidate.type === mode.action.type) : undefined;
        if (mode.kind === 'edit' && editing) setDraft(draftFrom(editing.config, mode.action.config));
      },
      (caught: unknown) =>
        setError(
          new ApiError({
            title: 'Could not read the action types',
            status: 0,
            detail: caught instanceof Error ? caught.message : String(caught),
          }),
        ),
    );
    // Once: the mode is fixed for the dialog's life (the board opens a new editor for another action).
  }, []);

  const model = types?.find((candidate) => candidate.type === type);
  const editReady = mode.kind === 'edit' && draft !== undefined;
  useEffect(() => {
    // The dialog opened (and took focus) before the edit form was there: move focus to its first field.
    if (editReady) form.current?.querySelector<HTMLElement>('input, select, textarea')?.focus();
  }, [editReady]);
  // The API names config fields under the body it was sent: `body.action.config.…` (add) or `body.config.…` (edit).
  const configPath = mode.kind === 'add' ? 'body.action.config' : 'body.config';

  const chooseType = (chosen: string) => {
    setType(chosen);
    setError(undefined);
    const next = types?.find((candidate) => candidate.type === chosen);
    setDraft(next ? draftFrom(next.config, undefined) : undefined);
  };

  const submit = async () => {
    if (!model || !draft || saving) return;
    const { value: config, problems } = valueFrom(model.config, draft, configPath);
    if (problems.length > 0) {
      setError(new ApiError({ title: 'Some fields need attention', status: 0, errors: problems }));
      return;
    }
    setSaving(true);
    setError(undefined);
    try {
      const saved =
        mode.kind === 'add'
          ? await api.post<Action>(apiPath`/api/workflows/${workflowId}/actions`, {
              action: { type, config },
              ...mode.place,
            })
          : await api.patch<Action>(apiPath`/api/workflows/${workflowId}/actions/${mode.action.id}`, { config });
      onSaved(saved);
    } catch (caught) {
      setError(
        caught instanceof ApiError ? caught : new ApiError({ title: 'Error', status: 0, detail: String(caught) }),
      );
    } finally {
      setSaving(false);
    }
  };

  const title = mode.kind === 'add' ? 'Add an action' : `Edit “${model ? typeLabel(model) : mode.action.type}”`;
  const shown = model && draft ? shownPaths(model.config, draft, configPath) : [];
  const unknownType = mode.kind === 'edit' && types && !model;

  return (
    <Dialog title={title} onClose={onCancel}>
      <form
        ref={form}
        class="action-editor"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        {mode.kind === 'add' ? (
          <div class="field">
            <label for={TYPE_SELECT_ID}>Action type</label>
            <select
              id={TYPE_SELECT_ID}
              required
              value={type}
              onChange={(event) => chooseType(event.currentTarget.value)}
            >
              <option value="" disabled>
                {types ? 'Choose a type…' : 'Loading the action types…'}
              </option>
              {types?.map((candidate) => (
                <option key={candidate.type} value={candidate.type}>
                  {typeLabel(candidate)}
                </option>
              ))}
            </select>
          </div>
        ) : (
          <p class="action-editor-type">
            Type: <strong>{model ? typeLabel(model) : mode.action.type}</strong>
          </p>
        )}
        {unknownType && (
          <p class="problem" role="alert">
            This console does not know the action type <code>{mode.action.type}</code>; the server did not publish it.
          </p>
        )}
        {model && draft && (
          <Field
            model={model.config}
            draft={draft}
            onChange={setDraft}
            path={configPath}
            id={CONFIG_ID}
            label={typeLabel(model)}
            required
            error={error}
            bare
          />
        )}
        <ProblemMessage error={error} shownPaths={shown} />
        <div class="actions-row">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" disabled={!model || !draft || saving}>
            {saving ? 'Saving…' : mode.kind === 'add' ? 'Add action' : 'Save'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
