import { type EffectActionType, isEffectAction } from './action-routes';
import type { Action } from './actions';
import type { ConditionGroup } from './conditions';
import {
  emailAudience,
  emailDetail,
  notificationDetail,
  notificationRecipients,
  propertyDetail,
  stageDetail,
  taskDetail,
} from './effects';
import { Limits } from './limits';
import type { CrmRecord } from './record';
import { fillSecrets } from './secrets';
import { chooseBranch, delayOutcome, type EffectSchedule, effectWait, isBranch } from './steps';
import { renderTemplate } from './template';
import { GOAL_MET_REASON, goalMet } from './triggering';
import { enterBranch, nextStep, startWalk } from './walk';
import { renderWebhookUrl, secretMark } from './webhook';

/** One step of a test run: what the enrollment would do at this action. */
export interface TestRunStep {
  actionId: string;
  type: Action['type'];
  outcome: 'run' | 'skip' | 'wait';
  /** The line the timeline would show; texts rendered for the record. */
  detail: string;
  /** When a delay would end, or when the action would run after waiting for the execution window or a pause date. */
  wakeAt?: string;
}

/** An email template as a test run previews it; undefined for one that does not exist. */
export interface PreviewTemplate {
  id: string;
  subject: string;
  body: string;
  transactional: boolean;
}

/**
 * A test run's steps and how the enrollment would end: `completed` after its last action, or `goal` when the record
 * meets the workflow's goal before an action is left to take (`stoppedBefore`); the enrollment then ends
 * `unenrolled: <endReason>`.
 */
export type TestRun = { steps: TestRunStep[] } & (
  { endedBy: 'completed' } | { endedBy: 'goal'; endReason: typeof GOAL_MET_REASON; stoppedBefore: string }
);

export interface TestRunInput {
  actions: Action[];
  /** The workflow's goal (`settings.goal`), which ends the enrollment before the next action once the record meets it. */
  goal?: ConditionGroup;
  /** The workflow's execution window and pause dates, which actions with side effects wait for. */
  schedule: EffectSchedule;
  record: Pick<CrmRecord, 'id' | 'objectType' | 'stageId' | 'properties' | 'ownerId' | 'contacts'>;
  now: Date;
  templates: ReadonlyMap<string, PreviewTemplate>;
}

/**
 * Walks a definition for a record as an enrollment starting `now` would, writing nothing: the same walk
 * (`nextStep`), the same branch and delay decisions (`steps.ts`) and the same sentences (`effects.ts`) as the
 * enrollment workflow and its activities. Time moves on with each delay, execution window and pause date; the
 * record changes as its own `set_property` and `set_stage` actions would change it, so later branches see what they
 * would see. A random split follows its first split (a real enrollment draws one), and says so. The goal is checked
 * where the enrollment checks it (`goalMet`, read with each next step): before every action, the first included, on
 * the record as the earlier steps left it; no check follows the last action, which completes the enrollment.
 */
export function walkTestRun(input: TestRunInput): TestRun {
  const steps: TestRunStep[] = [];
  let record = { ...input.record, properties: { ...input.record.properties } };
  let now = input.now;
  let walk = startWalk();
  // Each step moves the walk on by one action, and a definition holds at most `Limits.actions`.
  for (let taken = 0; taken <= Limits.actions; taken++) {
    const step = nextStep(input.actions, walk);
    if (step.kind === 'end') break;
    if (goalMet({ goal: input.goal }, record)) {
      return { steps, endedBy: 'goal', endReason: GOAL_MET_REASON, stoppedBefore: step.action.id };
    }
    walk = step.walk;
    const { action } = step;
    const base = { actionId: action.id, type: action.type };
    if (action.type === 'delay') {
      const outcome = delayOutcome(action.config, now, record);
      if (outcome.kind === 'skip') {
        steps.push({ ...base, outcome: 'skip', detail: outcome.detail });
        continue;
      }
      steps.push({
        ...base,
        outcome: outcome.kind === 'wait' ? 'wait' : 'run',
        detail: outcome.detail,
        wakeAt: outcome.wakeAt.toISOString(),
      });
      if (outcome.kind === 'wait') now = outcome.wakeAt;
      continue;
    }
    if (isBranch(action)) {
      const branch = chooseBranch(action, record, 0);
      const detail =
        action.type === 'branch_random'
          ? `${branch.detail}; a real enrollment draws its split at random, this test follows the first`
          : branch.detail;
      steps.push({ ...base, outcome: 'run', detail });
      walk = enterBranch(walk, action.id, branch.key);
      continue;
    }
    if (!isEffectAction(action)) continue;
    const wait = effectWait(input.schedule, now);
    if (wait) {
      steps.push({ ...base, outcome: 'wait', detail: wait.detail, wakeAt: wait.wakeAt.toISOString() });
      now = wait.wakeAt;
    }
    const preview = previewEffect(action, record, input.templates);
    steps.push({ ...base, outcome: preview.outcome, detail: preview.detail });
    if (preview.record) record = preview.record;
  }
  return { steps, endedBy: 'completed' };
}

type TestRecord = TestRunInput['record'];

/** What an action with side effects would do to the record now, and the record after it. */
function previewEffect(
  action: Extract<Action, { type: EffectActionType }>,
  record: TestRecord,
  templates: ReadonlyMap<string, PreviewTemplate>,
): { outcome: 'run' | 'skip'; detail: string; record?: TestRecord } {
  switch (action.type) {
    case 'create_task': {
      const assignee = action.config.assignTo === 'owner' ? record.ownerId : (action.config.assignTo ?? null);
      return { outcome: 'run', detail: taskDetail(renderTemplate(action.config.title, record), assignee) };
    }
    case 'send_internal_notification': {
      const { recipients, notes } = notificationRecipients(action.config.to, record.ownerId);
      const { detail, sent } = notificationDetail(renderTemplate(action.config.subject, record), recipients, notes);
      return { outcome: sent ? 'run' : 'skip', detail };
    }
    case 'send_email': {
      const templateId =
        typeof action.config.template === 'string' ? action.config.template : action.config.template.customEmailId;
      const template = templates.get(templateId);
      if (!template)
        return { outcome: 'skip', detail: `send_email would fail: email template "${templateId}" does not exist` };
      const audience = emailAudience(template.transactional, record.contacts);
      const { detail, sent } = emailDetail({
        kind: template.transactional ? 'transactional' : 'marketing',
        subject: renderTemplate(template.subject, record),
        templateId: template.id,
        to: audience.to,
        contacts: record.contacts.length,
      });
      return { outcome: sent ? 'run' : 'skip', detail };
    }
    case 'set_property': {
      const { property, value } = action.config;
      const properties = { ...record.properties };
      if (value === null) delete properties[property];
      else properties[property] = value;
      return { outcome: 'run', detail: propertyDetail(property, value), record: { ...record, properties } };
    }
    case 'set_stage': {
      const { stageId } = action.config;
      return {
        outcome: 'run',
        detail: stageDetail(record.stageId, stageId, record.objectType === 'ticket'),
        record: { ...record, stageId },
      };
    }
    case 'webhook': {
      const url = renderWebhookUrl(action.config.url, record);
      const shown = fillSecrets(url, secretMark);
      let target = shown;
      try {
        const parsed = new URL(shown);
        target = `${parsed.origin}${parsed.pathname}`;
      } catch {
        // The activity refuses a url that does not parse; the preview shows it as written.
      }
      return { outcome: 'run', detail: `would call ${action.config.method} ${target}` };
    }
  }
}
