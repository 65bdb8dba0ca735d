import { useRef, useState } from 'preact/hooks';
import type { Workflow } from '../../../src/domain';
import { type ApiError, apiPath } from '../api';
import { ActionEditor } from '../components/action-editor';
import { ProblemMessage } from '../components/problem';
import { Switch } from '../components/switch';
import { href } from '../router';
import { useApp } from '../session';
import { ActionList, cardSelector, type ChainDialog } from './action-chain';
import { CommentsDialog } from './comments-dialog';
import { DeleteActionDialog } from './delete-action-dialog';
import { DisableDialog } from '../components/disable-dialog';
import { useDialog } from './use-dialog';

type WorkflowDialog = ChainDialog | { kind: 'disable' };

/**
 * One workflow on the board: its name (to its page), the on/off switch and its chain of actions. Each change is
 * made through the API, then the board reads the workflows again (`onChanged`) before the dialog closes, so focus
 * lands on what is on screen.
 */
export function WorkflowCard({
  workflow,
  onChanged,
  subtitle,
}: {
  workflow: Workflow;
  onChanged: () => Promise<void>;
  subtitle?: string;
}) {
  const { api, canConfigure } = useApp();
  const root = useRef<HTMLElement>(null);
  const dialog = useDialog<WorkflowDialog>(root);
  const [error, setError] = useState<ApiError>();
  const headingId = `workflow-${workflow.id}`;

  const changed = async (focusSelector?: string) => {
    await onChanged();
    dialog.close(focusSelector);
  };

  const toggle = async () => {
    if (workflow.enabled) return dialog.show({ kind: 'disable' });
    try {
      await api.post(apiPath`/api/workflows/${workflow.id}/enable`);
      setError(undefined);
      await onChanged();
    } catch (caught) {
      setError(caught as ApiError);
    }
  };

  const state = workflow.enabled ? 'Workflow is on' : 'Workflow is off';
  const open = dialog.open;
  return (
    <article class="workflow" ref={root} aria-labelledby={headingId}>
      <header class="workflow-head">
        <h3 id={headingId} class="workflow-name">
          <a href={href({ page: 'workflow', workflowId: workflow.id })}>{workflow.name}</a>
        </h3>
        {subtitle && <p class="muted workflow-subtitle">{subtitle}</p>}
        {canConfigure ? (
          <Switch on={workflow.enabled} label={state} onToggle={() => void toggle()} />
        ) : (
          <span class={`state-text${workflow.enabled ? ' on' : ''}`}>{state}</span>
        )}
      </header>
      <ProblemMessage error={error} />
      <ActionList
        actions={workflow.actions}
        listName={workflow.name}
        controls={{ canConfigure, open: (chainDialog) => dialog.show(chainDialog) }}
      />
      {open?.kind === 'add' && (
        <ActionEditor
          workflowId={workflow.id}
          mode={{ kind: 'add', place: open.place }}
          onSaved={(action) => void changed(cardSelector(action.id))}
          onCancel={() => dialog.close()}
        />
      )}
      {open?.kind === 'edit' && (
        <ActionEditor
          workflowId={workflow.id}
          mode={{ kind: 'edit', action: open.action }}
          onSaved={() => void changed()}
          onCancel={() => dialog.close()}
        />
      )}
      {open?.kind === 'comments' && (
        <CommentsDialog
          workflowId={workflow.id}
          action={open.action}
          onAdded={onChanged}
          onClose={() => dialog.close()}
        />
      )}
      {open?.kind === 'delete' && (
        <DeleteActionDialog
          workflowId={workflow.id}
          action={open.action}
          onDeleted={() => void changed()}
          onCancel={() => dialog.close()}
        />
      )}
      {open?.kind === 'disable' && (
        <DisableDialog
          workflowId={workflow.id}
          workflowName={workflow.name}
          onDisabled={() => void changed()}
          onCancel={() => dialog.close()}
        />
      )}
    </article>
  );
}
