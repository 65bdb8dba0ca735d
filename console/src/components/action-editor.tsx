import type { Action } from '../../../src/domain';

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

/**
 * A dialog to add an action of any registered type, or to edit one's config, with a form generated from the action's
 * schema in `/openapi.json`; the API's 422 messages appear beside the fields they name. Not built yet (issue 18).
 */
export function ActionEditor(_props: ActionEditorProps) {
  return null;
}
