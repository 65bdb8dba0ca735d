import { type Action, ActionInputSchema } from '../../src/domain/actions';
import type { Pipeline } from '../../src/domain/pipeline';
import {
  describeAutomation,
  templatedAutomationDefinition,
  templatedAutomationKey,
  templatedAutomationSetting,
} from '../../src/domain/ticket-status-automation';
import { notEnrolledDetail, offReason } from '../../src/domain/triggering';
import { CreateWorkflowSchema, findDefinitionProblems, resolveEnrollmentRules } from '../../src/domain/workflow';

const pipeline: Pipeline = {
  id: 'deals',
  objectType: 'deal',
  label: 'Deals',
  stages: [
    { id: 'new', label: 'New', state: 'open' },
    { id: 'won', label: 'Won', state: 'closed' },
  ],
};
const task = (id: string): Action => ({ id, type: 'create_task', config: { title: id }, comments: [] });

describe('findDefinitionProblems', () => {
  it('accepts a definition whose stages exist', () => {
    expect(
      findDefinitionProblems(
        {
          trigger: { type: 'stage_entered', stageId: 'new' },
          actions: [task('a'), { id: 'b', type: 'set_stage', config: { stageId: 'won' }, comments: [] }],
        },
        pipeline,
      ),
    ).toEqual([]);
  });

  it('names the trigger stage, set_stage targets and duplicate ids that break the rules', () => {
    const problems = findDefinitionProblems(
      {
        trigger: { type: 'stage_entered', stageId: 'gone' },
        actions: [task('a'), task('a'), { id: 'b', type: 'set_stage', config: { stageId: 'lost' }, comments: [] }],
      },
      pipeline,
    );
    expect(problems).toEqual([
      { path: ['trigger', 'stageId'], message: expect.stringContaining('gone'), draft: true },
      { path: ['actions', 1, 'id'], actionId: 'a', message: expect.stringContaining('duplicate') },
      {
        path: ['actions', 2, 'config', 'stageId'],
        actionId: 'b',
        message: expect.stringContaining('lost'),
        draft: true,
      },
    ]);
  });

  it('allows ticket_email triggers on ticket pipelines only', () => {
    const problems = findDefinitionProblems(
      { trigger: { type: 'ticket_email', on: 'customer_replied' }, actions: [] },
      pipeline,
    );
    expect(problems).toEqual([{ path: ['trigger', 'type'], message: expect.stringContaining('ticket'), draft: true }]);
  });
});

describe('workflow schemas', () => {
  it('fills defaults for settings, and re-enrollment by trigger: every email for ticket_email, once for a stage', () => {
    const parsed = CreateWorkflowSchema.parse({
      pipelineId: 'deals',
      name: 'W',
      trigger: { type: 'stage_entered', stageId: 'new' },
    });
    expect(parsed).toMatchObject({ settings: { unenrollOnStageExit: true }, actions: [] });
    expect(resolveEnrollmentRules(parsed.trigger, parsed.enrollment)).toEqual({ reenroll: false });
    const email = { type: 'ticket_email', on: 'customer_replied' } as const;
    expect(resolveEnrollmentRules(email, undefined)).toEqual({ reenroll: true });
    expect(resolveEnrollmentRules(email, { reenroll: false })).toEqual({ reenroll: false });
    // A PATCH names only what it changes: the rest stays as stored.
    expect(resolveEnrollmentRules(email, { includeSources: ['chat'] }, { reenroll: false })).toEqual({
      reenroll: false,
      includeSources: ['chat'],
    });
  });

  it('describes templated automations by their setting and keeps one set_stage action per chosen status', () => {
    const definition = templatedAutomationDefinition('customerReplied', 'new');
    expect(definition.trigger).toEqual({ type: 'ticket_email', on: 'customer_replied' });
    expect(definition.enrollment.reenroll).toBe(true);
    expect(templatedAutomationKey(definition)).toBe('customerReplied');
    expect(templatedAutomationDefinition('emailSentToCustomer', null).actions).toEqual([]);
    const workflow = { ...definition, id: 'tsa_1', pipelineId: 'p', enabled: true, templated: true, version: 1 };
    const full = { ...workflow, createdAt: '', updatedAt: '' };
    expect(templatedAutomationSetting(full)).toEqual({ enabled: true, stageId: 'new', workflowId: 'tsa_1' });
    expect(describeAutomation(full)).toBe('the templated automation "Customer replied"');
    expect(notEnrolledDetail(full, offReason(full))).toBe(
      'status unchanged: the templated automation "Customer replied" is off',
    );
    const mine = { name: 'Mine', templated: false };
    expect(notEnrolledDetail(mine, offReason(mine))).toBe('not enrolled: the workflow is off');
  });

  it('rejects unknown action types and notifications with nobody to notify', () => {
    expect(ActionInputSchema.safeParse({ type: 'launch_rocket', config: {} }).success).toBe(false);
    const nobody = ActionInputSchema.safeParse({
      type: 'send_internal_notification',
      config: { to: {}, subject: 's', body: 'b' },
    });
    expect(nobody.success).toBe(false);
  });
});
