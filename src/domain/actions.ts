import { z } from 'zod';
import { DurationSchema } from './duration';
import { IdSchema } from './ids';

/**
 * The action registry. Each action type is a zod config schema plus, for actions with side effects,
 * the name of the activity that performs them and the retry-policy group it runs under.
 * Adding an action type means adding an entry here and an activity in `activities/`.
 */

const text = (max: number) => z.string().min(1).max(max);

export const CreateTaskConfigSchema = z
  .object({
    title: text(500),
    body: z.string().max(10_000).optional(),
    dueIn: DurationSchema.optional(),
    assignTo: text(200).optional().describe("'owner' for the record owner, or a user id"),
  })
  .strict();
export type CreateTaskConfig = z.infer<typeof CreateTaskConfigSchema>;

export const SendInternalNotificationConfigSchema = z
  .object({
    to: z
      .object({ users: z.array(z.email()).max(50).optional(), owner: z.boolean().optional() })
      .strict()
      .refine((to) => (to.users?.length ?? 0) > 0 || to.owner === true, 'name at least one user or set owner: true'),
    subject: text(500),
    body: z.string().max(50_000),
  })
  .strict();
export type SendInternalNotificationConfig = z.infer<typeof SendInternalNotificationConfigSchema>;

export const SetPropertyConfigSchema = z
  .object({ property: text(100), value: z.union([z.string(), z.number(), z.boolean(), z.null()]) })
  .strict();
export type SetPropertyConfig = z.infer<typeof SetPropertyConfigSchema>;

export const SetStageConfigSchema = z.object({ stageId: IdSchema }).strict();
export type SetStageConfig = z.infer<typeof SetStageConfigSchema>;

export const DelayConfigSchema = z.object({ for: DurationSchema }).strict();
export type DelayConfig = z.infer<typeof DelayConfigSchema>;

/** Retry-policy groups; their policies are defined once, in the enrollment workflow. */
export const RetryGroups = { quickDb: 'quickDb', smtp: 'smtp' } as const;
export type RetryGroup = (typeof RetryGroups)[keyof typeof RetryGroups];

export const ActionRegistry = {
  create_task: { config: CreateTaskConfigSchema, activity: 'createTask', retry: RetryGroups.quickDb },
  send_internal_notification: {
    config: SendInternalNotificationConfigSchema,
    activity: 'sendInternalNotification',
    retry: RetryGroups.smtp,
  },
  set_property: { config: SetPropertyConfigSchema, activity: 'setProperty', retry: RetryGroups.quickDb },
  set_stage: { config: SetStageConfigSchema, activity: 'setStage', retry: RetryGroups.quickDb },
} as const;
export type EffectActionType = keyof typeof ActionRegistry;
export type ActionActivityName = (typeof ActionRegistry)[EffectActionType]['activity'];

export const CommentSchema = z.object({ id: IdSchema, by: z.string(), at: z.string(), body: z.string() });
export type Comment = z.infer<typeof CommentSchema>;

function actionSchema<T extends string, C extends z.ZodType>(type: T, config: C) {
  return z
    .object({
      id: IdSchema.optional(),
      type: z.literal(type),
      config,
      comments: z.array(CommentSchema).default([]),
    })
    .strict();
}

/** An action as clients send it: `id` is optional and filled in by the server. */
export const ActionInputSchema = z.discriminatedUnion('type', [
  actionSchema('create_task', CreateTaskConfigSchema),
  actionSchema('send_internal_notification', SendInternalNotificationConfigSchema),
  actionSchema('set_property', SetPropertyConfigSchema),
  actionSchema('set_stage', SetStageConfigSchema),
  actionSchema('delay', DelayConfigSchema),
]);
export type ActionInput = z.infer<typeof ActionInputSchema>;
export type Action = ActionInput & { id: string };
export type ActionType = Action['type'];

/** True for action types that change something outside the enrollment (skipped while a workflow is off). */
export function isEffectAction(action: Action): action is Action & { type: EffectActionType } {
  return action.type in ActionRegistry;
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
  config: Config;
}

/** What an action activity reports back; `detail` is the timeline sentence. */
export interface ActionOutcome {
  detail: string;
}

/** Where an enrollment is in its walk: the last action it ran and the ids that followed it at that moment. */
export interface WalkPosition {
  actionId: string;
  followingIds: string[];
}

/**
 * The action to run next in the current definition, so that edits reach enrollments in flight: normally the one
 * after the last action run. If that action has since been deleted, the walk goes on with the first action that
 * followed it and still exists; when none does (it was deleted with everything after it), the walk ends.
 */
export function nextActionAfter(
  actions: readonly Action[],
  position: WalkPosition | undefined,
): { action: Action; position: WalkPosition } | undefined {
  let index = 0;
  if (position) {
    const found = actions.findIndex((action) => action.id === position.actionId);
    if (found >= 0) index = found + 1;
    else {
      const survivor = position.followingIds.find((id) => actions.some((action) => action.id === id));
      index = survivor === undefined ? -1 : actions.findIndex((action) => action.id === survivor);
    }
  }
  const action = index >= 0 ? actions[index] : undefined;
  return (
    action && {
      action,
      position: { actionId: action.id, followingIds: actions.slice(index + 1).map((next) => next.id) },
    }
  );
}
