import { z } from 'zod';
import { type Action, type ActionInput, ActionInputSchema } from './actions';
import { type ConditionGroup, ConditionGroupSchema } from './conditions';
import { TicketEmailTriggers } from './email-events';
import { IdSchema } from './ids';
import { definitionLimitProblems, Limits } from './limits';
import type { Pipeline } from './pipeline';
import { findPlaceholderProblems } from './placeholders';
import { ExecutionWindowSchema, type PauseDates, PauseDatesSchema } from './schedule';
import { MAX_SHARDS } from './triggering';
import { allActions } from './walk';

export const TriggerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('stage_entered'), stageId: IdSchema }).strict(),
  z
    .object({
      type: z.literal('ticket_email'),
      on: z.enum([TicketEmailTriggers.emailSentToCustomer, TicketEmailTriggers.customerReplied]),
    })
    .strict(),
  z
    .object({
      type: z.literal('property_changed'),
      property: z.string().min(1).max(100).describe('the record property whose change (set, changed, removed) enrolls'),
    })
    .strict(),
]);
export type Trigger = z.infer<typeof TriggerSchema>;

/**
 * Enrollment rules as a request gives them; `reenroll` left out takes the trigger's default. `conditions` must hold on
 * the record when the event is handled; `conditions: null` removes them.
 */
export const EnrollmentRulesSchema = z
  .object({
    reenroll: z.boolean().optional(),
    includeSources: z.array(z.string().min(1).max(50)).max(20).optional(),
    conditions: ConditionGroupSchema.nullable().optional(),
  })
  .strict();
export type EnrollmentRulesInput = z.infer<typeof EnrollmentRulesSchema>;

/** Enrollment rules as stored, every default applied. */
export type EnrollmentRules = Omit<EnrollmentRulesInput, 'conditions'> & {
  reenroll: boolean;
  conditions?: ConditionGroup;
};

/**
 * Applies `input` over `current` (a PATCH changes only the fields it names), then the trigger's default for
 * `reenroll`: a `ticket_email` trigger enrolls on every qualifying email, each email its own enrollment; a stage entry
 * enrolls a record once unless re-enrollment is asked for.
 */
export function resolveEnrollmentRules(
  trigger: Trigger,
  input: EnrollmentRulesInput | undefined,
  current?: EnrollmentRules,
): EnrollmentRules {
  const { conditions, ...merged } = { ...current, ...input };
  return { ...merged, reenroll: merged.reenroll ?? trigger.type === 'ticket_email', ...(conditions && { conditions }) };
}

const ShardsSchema = z
  .number()
  .int()
  .min(1)
  .max(MAX_SHARDS)
  .describe('how many automation workflows share the events: a record always goes to hash(recordId) % shards');

export const WorkflowSettingsSchema = z
  .object({
    unenrollOnStageExit: z.boolean().default(true),
    executionWindow: ExecutionWindowSchema.optional(),
    pauseDates: PauseDatesSchema.optional(),
    shards: ShardsSchema.default(1),
    goal: ConditionGroupSchema.optional().describe(
      'a running or waiting enrollment whose record meets it ends (unenrolled: goal met)',
    ),
  })
  .strict();
export type WorkflowSettings = z.infer<typeof WorkflowSettingsSchema>;

/**
 * `settings` in a PATCH: the fields it names replace theirs; `executionWindow: null`, `goal: null` and
 * `pauseDates: null` remove them.
 */
const WorkflowSettingsPatchSchema = z
  .object({
    unenrollOnStageExit: z.boolean().optional(),
    executionWindow: ExecutionWindowSchema.nullable().optional(),
    pauseDates: PauseDatesSchema.nullable().optional(),
    shards: ShardsSchema.optional(),
    goal: ConditionGroupSchema.nullable().optional(),
  })
  .strict();

/** Applies a PATCH's `settings` over the stored ones. */
export function patchSettings(
  current: WorkflowSettings,
  patch: z.infer<typeof WorkflowSettingsPatchSchema>,
): WorkflowSettings {
  const { executionWindow, goal, pauseDates, ...rest } = { ...current, ...patch };
  return {
    ...rest,
    ...(executionWindow && { executionWindow }),
    ...(goal && { goal }),
    ...(pauseDates && { pauseDates }),
  };
}

const NameSchema = z.string().min(1).max(200);

export const CreateWorkflowSchema = z
  .object({
    id: IdSchema.optional(),
    pipelineId: IdSchema,
    name: NameSchema,
    trigger: TriggerSchema,
    enrollment: EnrollmentRulesSchema.optional(),
    settings: WorkflowSettingsSchema.default({ unenrollOnStageExit: true, shards: 1 }),
    actions: z.array(ActionInputSchema).max(Limits.actions).default([]),
  })
  .strict();
export type CreateWorkflow = z.infer<typeof CreateWorkflowSchema>;

export const PatchWorkflowSchema = z
  .object({
    name: NameSchema.optional(),
    enrollment: EnrollmentRulesSchema.optional(),
    settings: WorkflowSettingsPatchSchema.optional(),
  })
  .strict();
export type PatchWorkflow = z.infer<typeof PatchWorkflowSchema>;

export const DisableWorkflowSchema = z.object({ unenroll: z.boolean().default(false) }).strict();

/** A stored workflow definition. */
export interface Workflow {
  id: string;
  pipelineId: string;
  name: string;
  enabled: boolean;
  trigger: Trigger;
  enrollment: EnrollmentRules;
  settings: WorkflowSettings;
  actions: Action[];
  /** Carries out one of its ticket pipeline's templated status automations; edited only through that setting. */
  templated: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** Gives every action without an id, nested ones included, a fresh one from `makeId`. */
export function withActionIds(actions: ActionInput[], makeId: () => string): Action[] {
  return actions.map((input) => {
    const action = { ...input, id: input.id ?? makeId() } as Action;
    const withIds = (list: ActionInput[]) => withActionIds(list, makeId);
    switch (input.type) {
      case 'branch_if':
        return {
          ...action,
          config: { ...input.config, then: withIds(input.config.then), else: withIds(input.config.else) },
        } as Action;
      case 'branch_value':
        return {
          ...action,
          config: {
            ...input.config,
            cases: input.config.cases.map((branchCase) => ({ ...branchCase, actions: withIds(branchCase.actions) })),
            default: withIds(input.config.default),
          },
        } as Action;
      case 'branch_random':
        return {
          ...action,
          config: { splits: input.config.splits.map((split) => ({ ...split, actions: withIds(split.actions) })) },
        } as Action;
      default:
        return action;
    }
  });
}

/**
 * A rule a definition breaks; `actionId` is set when one action is at fault. A `draft` problem (a stage or
 * template that does not exist) may stay in a workflow that is off, and blocks `enable`; others always block.
 */
export interface DefinitionProblem {
  path: (string | number)[];
  actionId?: string;
  message: string;
  draft?: boolean;
}

/** What a definition is made of: what it is checked on and what its size counts. */
export type Definition = Pick<Workflow, 'name' | 'trigger' | 'enrollment' | 'settings' | 'actions'>;

/**
 * Checks the rules a definition must keep before it can run: the limits (`limits.ts`), stages it names exist in its
 * pipeline, custom email templates exist, the trigger fits the pipeline, action ids are unique across the whole
 * tree. Shapes are already checked by the schemas. Paths of nested actions read `<branchActionId>.<branch>[index]`.
 */
export function findDefinitionProblems(
  workflow: Definition,
  pipeline: Pipeline,
  knownTemplateIds: ReadonlySet<string> = new Set(),
): DefinitionProblem[] {
  const { name, trigger, enrollment, settings, actions } = workflow;
  const problems: DefinitionProblem[] = definitionLimitProblems({ name, trigger, enrollment, settings, actions });
  problems.push(...pauseDateProblems(settings.pauseDates));
  const stageIds = new Set(pipeline.stages.map((stage) => stage.id));
  if (workflow.trigger.type === 'stage_entered' && !stageIds.has(workflow.trigger.stageId)) {
    problems.push({
      path: ['trigger', 'stageId'],
      message: `stage "${workflow.trigger.stageId}" is not in pipeline "${pipeline.id}"`,
      draft: true,
    });
  }
  if (workflow.trigger.type === 'ticket_email' && pipeline.objectType !== 'ticket') {
    problems.push({ path: ['trigger', 'type'], message: 'ticket_email triggers need a ticket pipeline', draft: true });
  }
  const seen = new Set<string>();
  for (const { action, list, index } of allActions(workflow.actions)) {
    const path = [...(list ? [`${list.parentId}.${list.branch}`] : ['actions']), index];
    if (seen.has(action.id)) {
      problems.push({ path: [...path, 'id'], actionId: action.id, message: `duplicate action id "${action.id}"` });
    }
    seen.add(action.id);
    for (const problem of findPlaceholderProblems(action)) {
      problems.push({ path: [...path, 'config', ...problem.path], actionId: action.id, message: problem.message });
    }
    if (action.type === 'set_stage' && !stageIds.has(action.config.stageId)) {
      problems.push({
        path: [...path, 'config', 'stageId'],
        actionId: action.id,
        message: `stage "${action.config.stageId}" is not in pipeline "${pipeline.id}"`,
        draft: true,
      });
    }
    if (
      action.type === 'send_email' &&
      typeof action.config.template === 'object' &&
      !knownTemplateIds.has(action.config.template.customEmailId)
    ) {
      problems.push({
        path: [...path, 'config', 'template', 'customEmailId'],
        actionId: action.id,
        message: `email template "${action.config.template.customEmailId}" does not exist`,
        draft: true,
      });
    }
  }
  return problems;
}

/**
 * Pause dates the schema would refuse now: a stored definition can hold them (a zone the runtime's time-zone data
 * no longer knows), and an enrollment could not be scheduled on them.
 */
function pauseDateProblems(pauseDates: PauseDates | undefined): DefinitionProblem[] {
  if (!pauseDates) return [];
  const parsed = PauseDatesSchema.safeParse(pauseDates);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => ({
    path: ['settings', 'pauseDates', ...issue.path.map((key) => (typeof key === 'number' ? key : String(key)))],
    message: issue.message,
  }));
}
