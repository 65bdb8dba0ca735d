import { z } from 'zod';
import { ActionRoutes, type EffectActionType } from './action-routes';
import {
  type ConditionGroup,
  ConditionGroupSchema,
  ConditionScalarSchema,
  RandomSplitSchema,
  randomSplitsOf,
} from './conditions';
import { IdSchema } from './ids';
import { type DelayConfig, DelayConfigSchema, DurationSchema } from './schedule';
import { WebhookConfigSchema } from './webhook';

/**
 * The action registry. An action type with side effects is a zod config schema plus its route in `ActionRoutes`
 * (`action-routes.ts`): the activity that performs it and the retry-policy group it runs under. Adding one means an
 * entry in `ActionRegistry`, a route in `ActionRoutes` and an activity in `activities/` (README, "Adding an
 * action"); the input schema, the types and the enrollment workflow's dispatch all follow. Delays and branches are
 * run by the workflow itself.
 *
 * Workflow code must not import this module other than with `import type`: it builds zod schemas, and the workflow
 * bundle runs module code again for every workflow instance. The workflow dispatches by `ActionRoutes` instead.
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
  .object({ property: text(100), value: z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()]) })
  .strict();
export type SetPropertyConfig = z.infer<typeof SetPropertyConfigSchema>;

export const SetStageConfigSchema = z.object({ stageId: IdSchema }).strict();
export type SetStageConfig = z.infer<typeof SetStageConfigSchema>;

export const TemplateRefSchema = z.union([
  z.enum(['ticket_received', 'ticket_closed']),
  z.object({ customEmailId: IdSchema }).strict(),
]);
export type TemplateRef = z.infer<typeof TemplateRefSchema>;

export const SendEmailConfigSchema = z.object({ template: TemplateRefSchema }).strict();
export type SendEmailConfig = z.infer<typeof SendEmailConfigSchema>;

/**
 * Actions with side effects: the config schema and the route. Every type needs an entry here and a route in
 * `ActionRoutes`; the compiler refuses one without the other.
 */
export const ActionRegistry = {
  create_task: { config: CreateTaskConfigSchema, ...ActionRoutes.create_task },
  send_internal_notification: {
    config: SendInternalNotificationConfigSchema,
    ...ActionRoutes.send_internal_notification,
  },
  send_email: { config: SendEmailConfigSchema, ...ActionRoutes.send_email },
  set_property: { config: SetPropertyConfigSchema, ...ActionRoutes.set_property },
  set_stage: { config: SetStageConfigSchema, ...ActionRoutes.set_stage },
  webhook: { config: WebhookConfigSchema, ...ActionRoutes.webhook },
} as const satisfies { [Type in EffectActionType]: (typeof ActionRoutes)[Type] & { config: z.ZodType } };

export const CommentSchema = z.object({ id: IdSchema, by: z.string(), at: z.string(), body: z.string() });
export type Comment = z.infer<typeof CommentSchema>;

type Scalar = string | number | boolean | null;

/**
 * An action in a workflow definition. Branch actions hold nested action lists. `Id` is `string` once stored, and
 * may be missing (`string | undefined`) in what clients send.
 */
/** `{ type, config }` of every action type in the registry, with the config type its schema gives. */
type EffectActionShape = {
  [Type in EffectActionType]: { type: Type; config: z.infer<(typeof ActionRegistry)[Type]['config']> };
}[EffectActionType];

export type ActionNode<Id extends string | undefined = string> = { id: Id; comments: Comment[] } & (
  | EffectActionShape
  | { type: 'delay'; config: DelayConfig }
  | { type: 'branch_if'; config: { conditions: ConditionGroup; then: ActionNode<Id>[]; else: ActionNode<Id>[] } }
  | {
      type: 'branch_value';
      config: { property: string; cases: { values: Scalar[]; actions: ActionNode<Id>[] }[]; default: ActionNode<Id>[] };
    }
  | { type: 'branch_random'; config: { splits: { percent: number; actions: ActionNode<Id>[] }[] } }
);
export type Action = ActionNode<string>;
export type ActionInput = ActionNode<string | undefined>;
export type ActionType = Action['type'];

const MAX_LIST = 200;
const actionList = () => z.array(z.lazy(() => ActionInputSchema)).max(MAX_LIST);

function actionSchema<T extends string, C extends z.ZodType>(type: T, config: C) {
  return z
    .object({
      id: IdSchema.optional(),
      type: z.literal(type),
      config,
      comments: z.array(CommentSchema).max(500).default([]),
    })
    .strict();
}

/** An action as clients send it (ids optional, filled in by the server), nested lists included. */
export const ActionInputSchema: z.ZodType<ActionInput> = z.lazy(() =>
  z.discriminatedUnion('type', [
    actionSchema('delay', DelayConfigSchema),
    ...Object.entries(ActionRegistry).map(([type, entry]) => actionSchema(type, entry.config)),
    actionSchema(
      'branch_if',
      z
        .object({ conditions: ConditionGroupSchema, then: actionList().default([]), else: actionList().default([]) })
        .strict(),
    ),
    actionSchema(
      'branch_value',
      z
        .object({
          property: z.string().min(1).max(100),
          cases: z
            .array(
              z
                .object({ values: z.array(ConditionScalarSchema).min(1).max(100), actions: actionList().default([]) })
                .strict(),
            )
            .min(1)
            .max(20),
          default: actionList().default([]),
        })
        .strict(),
    ),
    actionSchema(
      'branch_random',
      z
        .object({
          splits: randomSplitsOf(RandomSplitSchema.extend({ actions: actionList().default([]) }).strict()),
        })
        .strict(),
    ),
  ]),
) as z.ZodType<ActionInput>;
