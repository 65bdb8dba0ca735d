import { useEffect, useRef, useState } from 'preact/hooks';
import type { Revision, RevisionWithSnapshot, WorkflowSnapshot } from '../../../src/domain/revisions';
import { type ApiError, apiPath } from '../api';
import { Dialog } from '../components/dialog';
import { ProblemMessage } from '../components/problem';
import { useApp } from '../session';
import { useResource } from '../use-resource';
import { Time, triggerInWords } from './format';
import type { WorkflowView } from './header';

/** A revision's `change` in words: `{ type: 'updated', settings: {…} }` reads "changed settings". */
export function changeSummary(change: Record<string, unknown>): string {
  const { type, ...fields } = change;
  const action = typeof fields.actionId === 'string' ? `action ${fields.actionId}` : 'an action';
  switch (type) {
    case 'created':
      return 'created';
    case 'updated':
      return `changed ${Object.keys(fields).join(', ') || 'nothing'}`;
    case 'enabled':
      return fields.enrollExisting ? 'turned on, enrolling the records already in the stage' : 'turned on';
    case 'disabled':
      return fields.unenroll ? 'turned off, unenrolling everyone' : 'turned off';
    case 'action_added':
      return `added ${action}`;
    case 'action_updated':
      return `edited ${action}`;
    case 'action_deleted':
      return fields.mode === 'following' ? `deleted ${action} and all following` : `deleted ${action}`;
    case 'comment_added':
      return `commented on ${action}`;
    case 'restored':
      return `restored version ${String(fields.fromVersion)}`;
    case 'ticket_status_automation':
      return 'changed the templated automation';
    default:
      return String(type);
  }
}

/** Every revision, newest first; read again whenever the workflow's version moves on. */
export function RevisionsTab({ workflow, onRestored }: { workflow: WorkflowView; onRestored: () => Promise<void> }) {
  const { api } = useApp();
  const revisions = useResource(async () => {
    const items: Revision[] = [];
    let cursor: string | undefined;
    do {
      const query = new URLSearchParams({ limit: '500' });
      if (cursor) query.set('cursor', cursor);
      const answer = await api.get<{ items: Revision[]; nextCursor?: string }>(
        `${apiPath`/api/workflows/${workflow.id}/revisions`}?${query.toString()}`,
      );
      items.push(...answer.items);
      cursor = answer.nextCursor;
    } while (cursor);
    return items.reverse();
  }, workflow.id);
  const versionRead = useRef(workflow.version);
  useEffect(() => {
    if (versionRead.current === workflow.version) return;
    versionRead.current = workflow.version;
    void revisions.reload();
  }, [workflow.version]);
  const [open, setOpen] = useState<number>();

  return (
    <div class="revisions" aria-busy={revisions.loading}>
      <ProblemMessage error={revisions.error} />
      <ol class="revision-list">
        {revisions.data?.map((revision) => (
          <li key={revision.version} class={open === revision.version ? 'open' : undefined}>
            <div class="revision-head">
              <strong>Version {revision.version}</strong>
              {revision.version === workflow.version && <span class="badge">current</span>}
              <span>{changeSummary(revision.change)}</span>
              <span class="muted">
                by {revision.by}, <Time at={revision.at} />
              </span>
              <button
                type="button"
                aria-expanded={open === revision.version}
                onClick={() => setOpen(open === revision.version ? undefined : revision.version)}
              >
                {open === revision.version ? 'Hide' : 'View'} version {revision.version}
              </button>
            </div>
            {open === revision.version && (
              <RevisionView
                workflow={workflow}
                version={revision.version}
                onRestored={async () => {
                  setOpen(undefined);
                  await onRestored();
                }}
              />
            )}
          </li>
        ))}
      </ol>
    </div>
  );
}

/** One revision's definition, and (for a configure role) its restore behind a confirmation. */
function RevisionView({
  workflow,
  version,
  onRestored,
}: {
  workflow: WorkflowView;
  version: number;
  onRestored: () => Promise<void>;
}) {
  const { api, canConfigure } = useApp();
  const revision = useResource(
    () => api.get<RevisionWithSnapshot>(apiPath`/api/workflows/${workflow.id}/revisions/${version}`),
    `${workflow.id}:${version}`,
  );
  const [confirming, setConfirming] = useState(false);
  const snapshot = revision.data?.workflow;
  return (
    <div class="revision-view">
      <ProblemMessage error={revision.error} />
      {revision.data && !snapshot && (
        <p class="hint">This revision is older than the kept definitions: it cannot be shown or restored.</p>
      )}
      {snapshot && (
        <>
          <SnapshotSummary snapshot={snapshot} />
          <details>
            <summary>The whole definition (JSON)</summary>
            <pre class="definition">{JSON.stringify(snapshot, null, 2)}</pre>
          </details>
          {canConfigure && !workflow.templated && version !== workflow.version && (
            <button type="button" onClick={() => setConfirming(true)}>
              Restore version {version}
            </button>
          )}
        </>
      )}
      {confirming && (
        <RestoreDialog
          workflow={workflow}
          version={version}
          onClose={() => setConfirming(false)}
          onRestored={onRestored}
        />
      )}
    </div>
  );
}

function SnapshotSummary({ snapshot }: { snapshot: WorkflowSnapshot }) {
  const { settings, enrollment } = snapshot;
  return (
    <dl class="snapshot">
      <dt>Name</dt>
      <dd>{snapshot.name}</dd>
      <dt>Trigger</dt>
      <dd>{triggerInWords(snapshot.trigger)}</dd>
      <dt>Actions</dt>
      <dd>
        {snapshot.actions.length === 0
          ? 'none'
          : snapshot.actions.map((action) => `${action.id} (${action.type})`).join(', ')}
      </dd>
      <dt>Enrollment</dt>
      <dd>
        {enrollment.reenroll ? 're-enrolls' : 'once per record'}
        {enrollment.conditions && ', with conditions'}
      </dd>
      <dt>Settings</dt>
      <dd>
        {[
          settings.executionWindow &&
            `window ${settings.executionWindow.days.join(' ')} ${settings.executionWindow.start}–${settings.executionWindow.end} ${settings.executionWindow.timezone}`,
          settings.pauseDates && `${settings.pauseDates.dates.length} pause date(s)`,
          settings.goal && 'a goal',
          `${settings.shards} shard(s)`,
        ]
          .filter(Boolean)
          .join(', ')}
      </dd>
    </dl>
  );
}

function RestoreDialog({
  workflow,
  version,
  onClose,
  onRestored,
}: {
  workflow: WorkflowView;
  version: number;
  onClose: () => void;
  onRestored: () => Promise<void>;
}) {
  const { api } = useApp();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const restore = async () => {
    setBusy(true);
    try {
      await api.post(apiPath`/api/workflows/${workflow.id}/revisions/${version}/restore`);
      onClose();
      await onRestored();
    } catch (caught) {
      setError(caught as ApiError);
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Restore version ${version}?`} onClose={onClose}>
      <p>
        “{workflow.name}” gets a new version whose name, trigger, enrollment, settings and actions are those of version{' '}
        {version}. It stays {workflow.enabled ? 'on' : 'off'}; enrollments in flight take the restored definition at
        their next step.
      </p>
      <ProblemMessage error={error} />
      <div class="actions-row">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" class="primary" disabled={busy} onClick={() => void restore()}>
          Restore
        </button>
      </div>
    </Dialog>
  );
}
