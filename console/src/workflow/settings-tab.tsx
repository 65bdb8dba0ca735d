import { useEffect, useState } from 'preact/hooks';
import type { PatchWorkflow, Weekday } from '../../../src/domain';
import { ApiError, apiPath } from '../api';
import {
  ConditionGroupEditor,
  type ConditionGroupDraft,
  conditionGroupDraft,
  conditionGroupOf,
} from '../components/condition-group-editor';
import { FieldError, fieldErrorId, ProblemMessage } from '../components/problem';
import { useApp } from '../session';
import type { WorkflowView } from './header';

const WEEKDAYS = [
  { day: 'mon', label: 'Mon' },
  { day: 'tue', label: 'Tue' },
  { day: 'wed', label: 'Wed' },
  { day: 'thu', label: 'Thu' },
  { day: 'fri', label: 'Fri' },
  { day: 'sat', label: 'Sat' },
  { day: 'sun', label: 'Sun' },
] as const satisfies readonly { day: Weekday; label: string }[];

/** The reader's own zone: where a new window or list of pause dates starts. */
const LOCAL_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** The settings form as typed; `patchOf` turns it into the PATCH of what differs from the workflow read. */
interface SettingsDraft {
  name: string;
  reenroll: boolean;
  conditions: ConditionGroupDraft;
  unenrollOnStageExit: boolean;
  windowOn: boolean;
  days: Weekday[];
  start: string;
  end: string;
  windowZone: string;
  pauseDates: string[];
  pauseZone: string;
  goal: ConditionGroupDraft;
  shards: string;
}

function draftOf(workflow: WorkflowView): SettingsDraft {
  const { enrollment, settings } = workflow;
  const window = settings.executionWindow;
  return {
    name: workflow.name,
    reenroll: enrollment.reenroll,
    conditions: conditionGroupDraft(enrollment.conditions),
    unenrollOnStageExit: settings.unenrollOnStageExit,
    windowOn: window !== undefined,
    days: window?.days ?? ['mon', 'tue', 'wed', 'thu', 'fri'],
    start: window?.start ?? '09:00',
    end: window?.end ?? '17:00',
    windowZone: window?.timezone ?? LOCAL_ZONE,
    pauseDates: settings.pauseDates?.dates ?? [],
    pauseZone: settings.pauseDates?.timezone ?? LOCAL_ZONE,
    goal: conditionGroupDraft(settings.goal),
    shards: String(settings.shards),
  };
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * The PATCH for what the form changed, field by field: `null` removes a window, pause dates, a goal or conditions,
 * as the API takes it. Pause dates go in the order shown, so that an error's index (`dates[1]`) names the row.
 */
function patchOf(workflow: WorkflowView, draft: SettingsDraft): PatchWorkflow {
  const { enrollment, settings } = workflow;
  const patch: PatchWorkflow = {};
  if (draft.name !== workflow.name) patch.name = draft.name;

  const enrollmentPatch: NonNullable<PatchWorkflow['enrollment']> = {};
  if (draft.reenroll !== enrollment.reenroll) enrollmentPatch.reenroll = draft.reenroll;
  const conditions = conditionGroupOf(draft.conditions);
  if (!same(conditions, enrollment.conditions)) enrollmentPatch.conditions = conditions;
  if (Object.keys(enrollmentPatch).length > 0) patch.enrollment = enrollmentPatch;

  const settingsPatch: NonNullable<PatchWorkflow['settings']> = {};
  if (draft.unenrollOnStageExit !== settings.unenrollOnStageExit) {
    settingsPatch.unenrollOnStageExit = draft.unenrollOnStageExit;
  }
  const window = draft.windowOn
    ? {
        days: WEEKDAYS.map(({ day }) => day).filter((day) => draft.days.includes(day)),
        start: draft.start,
        end: draft.end,
        timezone: draft.windowZone.trim(),
      }
    : null;
  if (!same(window, settings.executionWindow)) settingsPatch.executionWindow = window;
  const dates = draft.pauseDates.map((date) => date.trim());
  const pauseDates = dates.length > 0 ? { dates, timezone: draft.pauseZone.trim() } : null;
  const stored = pauseDates && { ...pauseDates, dates: [...new Set(dates)].sort() };
  if (!same(stored, settings.pauseDates)) settingsPatch.pauseDates = pauseDates;
  const goal = conditionGroupOf(draft.goal);
  if (!same(goal, settings.goal)) settingsPatch.goal = goal;
  if (draft.shards !== String(settings.shards)) settingsPatch.shards = Number(draft.shards);
  if (Object.keys(settingsPatch).length > 0) patch.settings = settingsPatch;
  return patch;
}

/** The request paths this form shows beside their fields; the problem box lists the others. */
function shownPaths(draft: SettingsDraft): string[] {
  const group = (path: string, value: ConditionGroupDraft) => [
    path,
    ...(['all', 'any'] as const).flatMap((list) =>
      value[list].flatMap((_, index) => ['property', 'operator', 'value'].map((f) => `${path}.${list}[${index}].${f}`)),
    ),
  ];
  const window = 'settings.executionWindow';
  return [
    'name',
    'enrollment.reenroll',
    ...group('enrollment.conditions', draft.conditions),
    'settings.unenrollOnStageExit',
    `${window}.days`,
    `${window}.start`,
    `${window}.end`,
    `${window}.timezone`,
    'settings.pauseDates.timezone',
    ...draft.pauseDates.map((_, index) => `settings.pauseDates.dates[${index}]`),
    ...group('settings.goal', draft.goal),
    'settings.shards',
  ];
}

type Outcome = { kind: 'saved'; version: number } | { kind: 'unchanged' } | { kind: 'conflict' } | undefined;

/**
 * The workflow's name, enrollment rules and settings as a form. A save sends only what changed, with `If-Match`
 * of the version the form was filled from: a 409 means someone else changed the workflow since, and the form offers
 * to reload it. Read-only for a role that cannot configure.
 */
export function SettingsTab({ workflow, onSaved }: { workflow: WorkflowView; onSaved: () => Promise<void> }) {
  const { api, canConfigure } = useApp();
  const editable = canConfigure && !workflow.templated;
  const [base, setBase] = useState(workflow);
  const [draft, setDraft] = useState(() => draftOf(workflow));
  const [error, setError] = useState<ApiError>();
  const [outcome, setOutcome] = useState<Outcome>();
  const [busy, setBusy] = useState(false);
  const dirty = Object.keys(patchOf(base, draft)).length > 0;

  // A newer version read by the page's polling replaces an untouched form; edits in progress are kept (a save then
  // meets the 409 and offers the reload).
  useEffect(() => {
    if (workflow.version !== base.version && !dirty) {
      setBase(workflow);
      setDraft(draftOf(workflow));
    }
  }, [workflow.version]);

  const set = (change: Partial<SettingsDraft>) => setDraft((previous) => ({ ...previous, ...change }));
  const reload = async () => {
    try {
      const fresh = await api.get<WorkflowView>(apiPath`/api/workflows/${workflow.id}`);
      setBase(fresh);
      setDraft(draftOf(fresh));
      setError(undefined);
      setOutcome(undefined);
      await onSaved();
    } catch (caught) {
      setError(caught as ApiError);
    }
  };

  const save = async () => {
    const patch = patchOf(base, draft);
    if (Object.keys(patch).length === 0) {
      setOutcome({ kind: 'unchanged' });
      return;
    }
    setBusy(true);
    setOutcome(undefined);
    try {
      const saved = await api.request<WorkflowView>('PATCH', apiPath`/api/workflows/${workflow.id}`, patch, {
        'If-Match': String(base.version),
      });
      setError(undefined);
      setBase(saved);
      setDraft(draftOf(saved));
      setOutcome({ kind: 'saved', version: saved.version });
      await onSaved();
    } catch (caught) {
      const apiError = caught instanceof ApiError ? caught : new ApiError({ title: 'Error', status: 0 });
      if (apiError.problem.status === 409) {
        setError(undefined);
        setOutcome({ kind: 'conflict' });
      } else {
        setError(apiError);
      }
    } finally {
      setBusy(false);
    }
  };

  const field = (id: string, path: string) => ({
    id,
    'aria-describedby': fieldErrorId(id),
    error: <FieldError error={error} path={path} id={id} />,
  });
  const name = field('wf-name', 'name');
  const shards = field('wf-shards', 'settings.shards');
  const days = field('wf-days', 'settings.executionWindow.days');
  const start = field('wf-start', 'settings.executionWindow.start');
  const end = field('wf-end', 'settings.executionWindow.end');
  const windowZone = field('wf-window-zone', 'settings.executionWindow.timezone');
  const pauseZone = field('wf-pause-zone', 'settings.pauseDates.timezone');

  return (
    <form
      class="settings-form"
      aria-label="Workflow settings"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      {!editable && (
        <p class="hint">
          {workflow.templated
            ? 'A templated automation: it is set on its pipeline’s board.'
            : 'Read-only: your role can see the settings, not change them.'}
        </p>
      )}
      <fieldset class="plain" disabled={!editable}>
        <div class="field">
          <label for={name.id}>Name</label>
          <input
            id={name.id}
            aria-describedby={name['aria-describedby']}
            value={draft.name}
            required
            maxLength={200}
            onInput={(event) => set({ name: event.currentTarget.value })}
          />
          {name.error}
        </div>

        <fieldset>
          <legend>Enrollment</legend>
          <label class="check">
            <input
              type="checkbox"
              checked={draft.reenroll}
              onChange={(event) => set({ reenroll: event.currentTarget.checked })}
            />
            Re-enroll a record each time it meets the trigger again
          </label>
          <FieldError error={error} path="enrollment.reenroll" id="wf-reenroll" />
          <h3>Conditions</h3>
          <p class="hint">A record enrolls only if these hold when the event is handled.</p>
          <ConditionGroupEditor
            value={draft.conditions}
            onChange={(conditions) => set({ conditions })}
            path="enrollment.conditions"
            idPrefix="wf-conditions"
            error={error}
            readOnly={!editable}
          />
        </fieldset>

        <fieldset>
          <legend>While enrolled</legend>
          <label class="check">
            <input
              type="checkbox"
              checked={draft.unenrollOnStageExit}
              onChange={(event) => set({ unenrollOnStageExit: event.currentTarget.checked })}
            />
            Unenroll a record when it leaves the trigger stage
          </label>
          <FieldError error={error} path="settings.unenrollOnStageExit" id="wf-unenroll-exit" />

          <h3>Execution window</h3>
          <label class="check">
            <input
              type="checkbox"
              checked={draft.windowOn}
              onChange={(event) => set({ windowOn: event.currentTarget.checked })}
            />
            Run actions only on these days and hours
          </label>
          {draft.windowOn && (
            <div class="window">
              <fieldset class="days" aria-describedby={days['aria-describedby']}>
                <legend>Days</legend>
                {WEEKDAYS.map(({ day, label }) => (
                  <label key={day} class="check">
                    <input
                      type="checkbox"
                      checked={draft.days.includes(day)}
                      onChange={(event) =>
                        set({
                          days: event.currentTarget.checked
                            ? [...draft.days, day]
                            : draft.days.filter((other) => other !== day),
                        })
                      }
                    />
                    {label}
                  </label>
                ))}
                {days.error}
              </fieldset>
              <div class="row">
                <div class="field">
                  <label for={start.id}>From</label>
                  <input
                    id={start.id}
                    type="time"
                    aria-describedby={start['aria-describedby']}
                    value={draft.start}
                    required
                    onInput={(event) => set({ start: event.currentTarget.value })}
                  />
                  {start.error}
                </div>
                <div class="field">
                  <label for={end.id}>Until</label>
                  <input
                    id={end.id}
                    type="time"
                    aria-describedby={end['aria-describedby']}
                    value={draft.end}
                    required
                    onInput={(event) => set({ end: event.currentTarget.value })}
                  />
                  {end.error}
                </div>
                <div class="field">
                  <label for={windowZone.id}>Window time zone</label>
                  <input
                    id={windowZone.id}
                    aria-describedby={windowZone['aria-describedby']}
                    value={draft.windowZone}
                    list="wf-zones"
                    required
                    onInput={(event) => set({ windowZone: event.currentTarget.value })}
                  />
                  {windowZone.error}
                </div>
              </div>
            </div>
          )}

          <h3>Pause dates</h3>
          <p class="hint">Whole days (holidays, say) on which actions with side effects wait for the next day.</p>
          <ol class="pause-dates">
            {draft.pauseDates.map((date, index) => {
              const id = `wf-pause-${index}`;
              return (
                <li key={index} class="row">
                  <span class="field">
                    <label for={id}>Pause date {index + 1}</label>
                    <input
                      id={id}
                      value={date}
                      placeholder="YYYY-MM-DD"
                      inputMode="numeric"
                      required
                      aria-describedby={fieldErrorId(id)}
                      onInput={(event) =>
                        set({
                          pauseDates: draft.pauseDates.map((other, at) =>
                            at === index ? event.currentTarget.value : other,
                          ),
                        })
                      }
                    />
                    <FieldError error={error} path={`settings.pauseDates.dates[${index}]`} id={id} />
                  </span>
                  {editable && (
                    <button
                      type="button"
                      class="remove"
                      aria-label={`Remove pause date ${index + 1}`}
                      onClick={() => set({ pauseDates: draft.pauseDates.filter((_, at) => at !== index) })}
                    >
                      Remove
                    </button>
                  )}
                </li>
              );
            })}
          </ol>
          {draft.pauseDates.length === 0 && <p class="hint">None.</p>}
          {editable && (
            <button type="button" onClick={() => set({ pauseDates: [...draft.pauseDates, ''] })}>
              Add a pause date
            </button>
          )}
          {draft.pauseDates.length > 0 && (
            <div class="field">
              <label for={pauseZone.id}>Pause dates time zone</label>
              <input
                id={pauseZone.id}
                aria-describedby={pauseZone['aria-describedby']}
                value={draft.pauseZone}
                list="wf-zones"
                required
                onInput={(event) => set({ pauseZone: event.currentTarget.value })}
              />
              {pauseZone.error}
            </div>
          )}

          <h3>Goal</h3>
          <p class="hint">An enrollment whose record meets the goal ends (unenrolled: goal met).</p>
          <ConditionGroupEditor
            value={draft.goal}
            onChange={(goal) => set({ goal })}
            path="settings.goal"
            idPrefix="wf-goal"
            error={error}
            readOnly={!editable}
          />
        </fieldset>

        <div class="field narrow">
          <label for={shards.id}>Shards</label>
          <input
            id={shards.id}
            type="number"
            min={1}
            max={64}
            step={1}
            aria-describedby={`${shards['aria-describedby']} wf-shards-hint`}
            value={draft.shards}
            onInput={(event) => set({ shards: event.currentTarget.value })}
          />
          <span class="hint" id="wf-shards-hint">
            1–64 automation workflows share the events; more for busy workflows.
          </span>
          {shards.error}
        </div>
      </fieldset>
      <datalist id="wf-zones">
        {Intl.supportedValuesOf('timeZone').map((zone) => (
          <option key={zone} value={zone} />
        ))}
      </datalist>

      <ProblemMessage error={error} shownPaths={shownPaths(draft)} />
      {editable && (
        <div class="save-row">
          <button type="submit" disabled={busy}>
            Save settings
          </button>
          <span role="status" class="save-status">
            {outcome?.kind === 'saved' && `Saved as version ${outcome.version}.`}
            {outcome?.kind === 'unchanged' && 'Nothing changed.'}
            {!outcome && dirty && 'Unsaved changes.'}
          </span>
        </div>
      )}
      {outcome?.kind === 'conflict' && (
        <div class="problem" role="alert">
          <strong>Someone else changed this workflow</strong> since you opened it at version {base.version}. Your
          changes are not saved: reload to see theirs, then make yours again.{' '}
          <button type="button" onClick={() => void reload()}>
            Reload the settings
          </button>
        </div>
      )}
    </form>
  );
}
