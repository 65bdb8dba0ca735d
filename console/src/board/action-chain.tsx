import type { Action } from '../../../src/domain';
import type { ActionPlace } from '../components/action-editor';
import { actionName, actionSummary, ActionTypeLabels, lanesOf } from './action-summary';
import { ActionIcons, Icon } from './icons';

/** What a workflow card opens from its chain of actions. */
export type ChainDialog =
  | { kind: 'add'; place: ActionPlace }
  | { kind: 'edit'; action: Action }
  | { kind: 'comments'; action: Action }
  | { kind: 'delete'; action: Action };

export interface ChainControls {
  /** Without it the chain is read-only: no "+", no delete, cards are not buttons. */
  canConfigure: boolean;
  open: (dialog: ChainDialog) => void;
}

type Parent = ActionPlace['parent'];

/** The selector of an action's card button, to give it focus once it is on the board. */
export const cardSelector = (actionId: string): string => `[data-card-for="${CSS.escape(actionId)}"]`;

/**
 * A list of actions as a vertical chain of cards, with a "+" before the first and after each card; `parent` names
 * the branch lane it is (none for the workflow's top-level list).
 */
export function ActionList({
  actions,
  parent,
  listName,
  controls,
}: {
  actions: Action[];
  parent?: Parent;
  listName: string;
  controls: ChainControls;
}) {
  const place = (after: string | null): ActionPlace => ({ after, ...(parent && { parent }) });
  return (
    <ol class="action-list">
      {controls.canConfigure && (
        <li class="add-slot">
          <AddButton
            label={actions.length ? `Add action at the start of ${listName}` : `Add first action to ${listName}`}
            onClick={() => controls.open({ kind: 'add', place: place(null) })}
          />
        </li>
      )}
      {!controls.canConfigure && actions.length === 0 && <li class="muted empty-list">No actions</li>}
      {actions.map((action) => (
        <li key={action.id} class="action-item">
          <ActionCard action={action} controls={controls} />
          {controls.canConfigure && (
            <AddButton
              label={`Add action after ${actionName(action)}`}
              onClick={() => controls.open({ kind: 'add', place: place(action.id) })}
            />
          )}
        </li>
      ))}
    </ol>
  );
}

function AddButton({ label, onClick }: { label: string; onClick: () => void }) {
  return (
    <button type="button" class="add-action" aria-label={label} title={label} onClick={onClick}>
      +
    </button>
  );
}

/** One action: its type and summary (a button that edits it), its comments and delete controls, and its lanes. */
function ActionCard({ action, controls }: { action: Action; controls: ChainControls }) {
  const label = ActionTypeLabels[action.type];
  const name = actionName(action);
  const lanes = lanesOf(action);
  const summary = actionSummary(action);
  const body = (
    <>
      <span class="card-icon">
        <Icon name={ActionIcons[action.type]} />
      </span>
      <span class="card-text">
        <span class="card-type">{label}</span>
        {summary && (
          <span class="card-summary" title={summary}>
            {summary}
          </span>
        )}
      </span>
    </>
  );
  return (
    <div class={`action-card${lanes.length ? ' has-lanes' : ''}`}>
      <div class="card-head">
        {controls.canConfigure ? (
          <button
            type="button"
            class="card-main"
            data-card-for={action.id}
            aria-label={`Edit ${name}`}
            onClick={() => controls.open({ kind: 'edit', action })}
          >
            {body}
          </button>
        ) : (
          <div class="card-main">{body}</div>
        )}
        <button
          type="button"
          class="icon-button"
          aria-label={`Comments on ${name} (${action.comments.length})`}
          onClick={() => controls.open({ kind: 'comments', action })}
        >
          <Icon name="comment" /> {action.comments.length}
        </button>
        {controls.canConfigure && (
          <button
            type="button"
            class="icon-button delete-action"
            aria-label={`Delete ${name}`}
            onClick={() => controls.open({ kind: 'delete', action })}
          >
            <Icon name="trash" />
          </button>
        )}
      </div>
      {lanes.length > 0 && (
        <div class="lanes">
          {lanes.map((lane) => (
            <section key={lane.branch} class="lane" aria-label={`${lane.label} of ${name}`}>
              <h4 class="lane-label">{lane.label}</h4>
              <ActionList
                actions={lane.actions}
                parent={{ actionId: action.id, branch: lane.branch }}
                listName={`${lane.label} of ${name}`}
                controls={controls}
              />
            </section>
          ))}
        </div>
      )}
    </div>
  );
}
