/**
 * Where each action type with side effects runs: the activity that performs it and the retry-policy group it runs
 * under. The enrollment workflow dispatches by this table; `ActionRegistry` in `actions.ts` adds each type's config
 * schema to its route.
 *
 * Workflow code imports this module, so it must stay free of zod, directly and through its imports (`import type`
 * is fine): the workflow bundle runs its module code again for every workflow instance, and building zod schemas
 * there cost every workflow start a large share of its CPU. `test/unit/workflow-bundle.test.ts` holds the line.
 */

/** Retry-policy groups; their policies are defined once, in the enrollment workflow. */
export const RetryGroups = { quickDb: 'quickDb', smtp: 'smtp', webhook: 'webhook' } as const;
export type RetryGroup = (typeof RetryGroups)[keyof typeof RetryGroups];

/** Actions with side effects: the activity that performs them, and its retry group. */
export const ActionRoutes = {
  create_task: { activity: 'createTask', retry: RetryGroups.quickDb },
  send_internal_notification: { activity: 'sendInternalNotification', retry: RetryGroups.smtp },
  send_email: { activity: 'sendEmail', retry: RetryGroups.smtp },
  set_property: { activity: 'setProperty', retry: RetryGroups.quickDb },
  set_stage: { activity: 'setStage', retry: RetryGroups.quickDb },
  webhook: { activity: 'callWebhook', retry: RetryGroups.webhook },
} as const satisfies Record<string, { activity: string; retry: RetryGroup }>;
export type EffectActionType = keyof typeof ActionRoutes;
export type ActionActivityName = (typeof ActionRoutes)[EffectActionType]['activity'];

/** True for action types that change something outside the enrollment (skipped while a workflow is off). */
export function isEffectAction<Action extends { type: string }>(
  action: Action,
): action is Extract<Action, { type: EffectActionType }> {
  return action.type in ActionRoutes;
}

/** What the enrollment workflow hands to every action activity. */
export interface ActionRunInput<Config = unknown> {
  /** `<enrollmentId>:<actionId>`: the same on every retry, so the effect happens once. */
  key: string;
  enrollmentId: string;
  workflowId: string;
  recordId: string;
  actionId: string;
  /** Causation depth of the event that started the enrollment. */
  depth: number;
  /** The request that caused the event, for the logs. */
  requestId?: string;
  /** Set when an operator asked for the action again after it failed: the retry's number (1, 2, …). */
  attempt?: number;
  config: Config;
}

/** What an action activity reports back; `detail` is the timeline sentence. */
export interface ActionOutcome {
  detail: string;
}
