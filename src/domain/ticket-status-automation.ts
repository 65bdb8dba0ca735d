import { z } from 'zod';
import type { Action } from './actions';
import { type TicketEmailTrigger, TicketEmailTriggers } from './email-events';
import { IdSchema } from './ids';
import type { Workflow } from './workflow';

/**
 * The templated status automations of a ticket pipeline (the anchor CRM's "Automate" tab: two checkboxes, each with
 * a status), by their key in the API. Each is carried out by a workflow of the pipeline marked `templated`, with a
 * `ticket_email` trigger and one `set_stage` action, so it runs on the same engine as every other automation.
 */
export const TemplatedAutomations = {
  emailSentToCustomer: { on: TicketEmailTriggers.emailSentToCustomer, name: 'Email sent to customer' },
  customerReplied: { on: TicketEmailTriggers.customerReplied, name: 'Customer replied' },
} as const satisfies Record<string, { on: TicketEmailTrigger; name: string }>;
export type TemplatedAutomationKey = keyof typeof TemplatedAutomations;
export const TEMPLATED_AUTOMATION_KEYS = Object.keys(TemplatedAutomations) as TemplatedAutomationKey[];

/** The id of the one action of a templated automation's workflow. */
const SET_STATUS_ACTION_ID = 'set-status';

const TemplatedSettingInputSchema = z
  .object({ enabled: z.boolean().optional(), stageId: IdSchema.nullable().optional() })
  .strict();

/** Body of `PUT /api/pipelines/:id/ticket-status-automation`: either key, and within it either field, may be left out. */
export const PutTicketStatusAutomationSchema = z
  .object({
    emailSentToCustomer: TemplatedSettingInputSchema.optional(),
    customerReplied: TemplatedSettingInputSchema.optional(),
  })
  .strict();
export type PutTicketStatusAutomation = z.infer<typeof PutTicketStatusAutomationSchema>;

/** One templated automation as the API shows it; `workflowId` is the workflow that carries it out. */
const TemplatedAutomationSettingSchema = z.object({
  enabled: z.boolean(),
  stageId: IdSchema.nullable().describe('the status a qualifying email moves the ticket to; null until chosen'),
  workflowId: IdSchema.describe('the workflow that carries it out: its enrollments, revisions and timeline lines'),
});
export type TemplatedAutomationSetting = z.infer<typeof TemplatedAutomationSettingSchema>;

/** Answer of `GET/PUT /api/pipelines/:id/ticket-status-automation`. */
export const TicketStatusAutomationSchema = z.object({
  emailSentToCustomer: TemplatedAutomationSettingSchema,
  customerReplied: TemplatedAutomationSettingSchema,
});
export type TicketStatusAutomation = z.infer<typeof TicketStatusAutomationSchema>;

/** The definition of a templated automation's workflow, moving the ticket to `stageId` (no action until one is chosen). */
export function templatedAutomationDefinition(
  key: TemplatedAutomationKey,
  stageId: string | null,
): Pick<Workflow, 'name' | 'trigger' | 'enrollment' | 'settings' | 'actions'> {
  const { on, name } = TemplatedAutomations[key];
  return {
    name,
    trigger: { type: 'ticket_email', on },
    enrollment: { reenroll: true },
    settings: { unenrollOnStageExit: false, shards: 1 },
    actions: templatedAutomationActions(stageId),
  };
}

export function templatedAutomationActions(stageId: string | null): Action[] {
  return stageId === null ? [] : [{ id: SET_STATUS_ACTION_ID, type: 'set_stage', config: { stageId }, comments: [] }];
}

/** Which templated automation a templated workflow carries out. */
export function templatedAutomationKey(workflow: Pick<Workflow, 'trigger'>): TemplatedAutomationKey | undefined {
  const { trigger } = workflow;
  if (trigger.type !== 'ticket_email') return undefined;
  return TEMPLATED_AUTOMATION_KEYS.find((key) => TemplatedAutomations[key].on === trigger.on);
}

/** The setting a templated workflow stands for. */
export function templatedAutomationSetting(workflow: Workflow): TemplatedAutomationSetting {
  const [action] = workflow.actions;
  return {
    enabled: workflow.enabled,
    stageId: action?.type === 'set_stage' ? action.config.stageId : null,
    workflowId: workflow.id,
  };
}

/** How timeline lines name the automation that acted: a templated one by its setting, others as workflows. */
export function describeAutomation(workflow: Pick<Workflow, 'name' | 'templated'>): string {
  return workflow.templated ? `the templated automation "${workflow.name}"` : `workflow "${workflow.name}"`;
}
