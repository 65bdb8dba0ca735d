import type { Action, ActionType, Condition, ConditionGroup } from '../../../src/domain';

/** How the board names each action type. */
export const ActionTypeLabels: Record<ActionType, string> = {
  create_task: 'Create task',
  send_internal_notification: 'Send internal notification',
  send_email: 'Send email',
  set_property: 'Set property',
  set_stage: 'Set stage',
  webhook: 'Webhook',
  delay: 'Delay',
  branch_if: 'Branch if',
  branch_value: 'Branch by value',
  branch_random: 'Random split',
};

const scalar = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

function conditionText({ property, operator, value }: Condition): string {
  if (value === undefined) return `${property} ${operator}`;
  return `${property} ${operator} ${Array.isArray(value) ? value.map(scalar).join(', ') : scalar(value)}`;
}

function conditionsText(group: ConditionGroup): string {
  const all = (group.all ?? []).map(conditionText).join(' and ');
  const any = (group.any ?? []).map(conditionText).join(' or ');
  return [all, any && (all ? `(${any})` : any)].filter(Boolean).join(' and ');
}

/** One line saying what the action does with its config: a task's title, a property = value, a delay's length. */
export function actionSummary(action: Action): string {
  switch (action.type) {
    case 'create_task':
      return [action.config.title, action.config.dueIn && `due in ${action.config.dueIn}`].filter(Boolean).join(' · ');
    case 'send_internal_notification':
      return action.config.subject;
    case 'send_email': {
      const { template } = action.config;
      return typeof template === 'string' ? `template ${template}` : `template ${template.customEmailId}`;
    }
    case 'set_property':
      return `${action.config.property} = ${scalar(action.config.value)}`;
    case 'set_stage':
      return `to ${action.config.stageId}`;
    case 'webhook':
      return `${action.config.method} ${action.config.url}`;
    case 'delay': {
      const { config } = action;
      if ('for' in config) return `for ${config.for}`;
      if ('untilDayTime' in config)
        return `until ${config.untilDayTime.days.join(', ')} ${config.untilDayTime.time} (${config.untilDayTime.timezone})`;
      const { date, property, offset, time } = config.until;
      return ['until', date ?? `the date in ${property}`, offset, time && `at ${time}`].filter(Boolean).join(' ');
    }
    case 'branch_if':
      return conditionsText(action.config.conditions);
    case 'branch_value':
      return `on ${action.config.property}`;
    case 'branch_random':
      return action.config.splits.map((split) => `${split.percent}%`).join(' / ');
  }
}

/** How controls name an action: its type and, to tell two of a kind apart, its summary. */
export function actionName(action: Action): string {
  const summary = actionSummary(action);
  const short = summary.length > 60 ? `${summary.slice(0, 59)}…` : summary;
  return short ? `${ActionTypeLabels[action.type]} “${short}”` : ActionTypeLabels[action.type];
}

/** A branch action's nested lists, each as `POST …/actions` names it (`then`, `case:0`, …) with a label to show. */
export interface Lane {
  branch: string;
  label: string;
  actions: Action[];
}

export function lanesOf(action: Action): Lane[] {
  switch (action.type) {
    case 'branch_if':
      return [
        { branch: 'then', label: 'Then', actions: action.config.then },
        { branch: 'else', label: 'Else', actions: action.config.else },
      ];
    case 'branch_value':
      return [
        ...action.config.cases.map((branchCase, index) => ({
          branch: `case:${index}`,
          label: `Is ${branchCase.values.map(scalar).join(' or ')}`,
          actions: branchCase.actions,
        })),
        { branch: 'default', label: 'Otherwise', actions: action.config.default },
      ];
    case 'branch_random':
      return action.config.splits.map((split, index) => ({
        branch: `split:${index}`,
        label: `Split ${index + 1} (${split.percent}%)`,
        actions: split.actions,
      }));
    default:
      return [];
  }
}
