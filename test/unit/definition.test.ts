import { type Action, ActionInputSchema } from '../../src/domain/actions';
import type { Pipeline } from '../../src/domain/pipeline';
import {
  describeAutomation,
  templatedAutomationDefinition,
  templatedAutomationKey,
  templatedAutomationSetting,
} from '../../src/domain/ticket-status-automation';
import { notEnrolledDetail, offReason } from '../../src/domain/triggering';
import {
  CreateWorkflowSchema,
  type Definition,
  findDefinitionProblems,
  resolveEnrollmentRules,
  type Trigger,
} from '../../src/domain/workflow';

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
/** A definition of `pipeline` with these actions and trigger, every other part at its default. */
const definition = (actions: Action[], trigger: Trigger = { type: 'stage_entered', stageId: 'new' }): Definition => ({
  name: 'W',
  trigger,
  enrollment: { reenroll: false },
  settings: { unenrollOnStageExit: true, shards: 1 },
  actions,
});
/** A branch_if whose "then" list holds `inner`. */
const branch = (id: string, inner: Action[]): Action => ({
  id,
  type: 'branch_if',
  config: { conditions: { all: [{ property: 'tier', operator: 'eq', value: 'gold' }] }, then: inner, else: [] },
  comments: [],
});

describe('findDefinitionProblems', () => {
  it('accepts a definition whose stages exist', () => {
    expect(
      findDefinitionProblems(
        definition([task('a'), { id: 'b', type: 'set_stage', config: { stageId: 'won' }, comments: [] }]),
        pipeline,
      ),
    ).toEqual([]);
  });

  it('names the trigger stage, set_stage targets and duplicate ids that break the rules', () => {
    const problems = findDefinitionProblems(
      definition([task('a'), task('a'), { id: 'b', type: 'set_stage', config: { stageId: 'lost' }, comments: [] }], {
        type: 'stage_entered',
        stageId: 'gone',
      }),
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
    const problems = findDefinitionProblems(definition([], { type: 'ticket_email', on: 'customer_replied' }), pipeline);
    expect(problems).toEqual([{ path: ['trigger', 'type'], message: expect.stringContaining('ticket'), draft: true }]);
  });

  it('allows branches nested 10 deep and names the branch that goes deeper', () => {
    const nested = (depth: number, prefix: string): Action[] =>
      depth === 0 ? [task(`${prefix}-leaf`)] : [branch(`${prefix}-${depth}`, nested(depth - 1, prefix))];
    expect(findDefinitionProblems(definition(nested(10, 'ok')), pipeline)).toEqual([]);
    expect(findDefinitionProblems(definition(nested(11, 'deep')), pipeline)).toEqual([
      {
        path: ['deep-2.then', 0],
        actionId: 'deep-1',
        message: expect.stringContaining('nested more than 10 deep'),
      },
    ]);
  });

  it('counts nested actions and comments against the limits of 500 actions and 256 KiB', () => {
    const wide = Array.from({ length: 5 }, (_, index) =>
      branch(
        `b${index}`,
        Array.from({ length: 100 }, (_, inner) => task(`t${index}-${inner}`)),
      ),
    );
    expect(findDefinitionProblems(definition(wide), pipeline)).toEqual([
      { path: ['actions'], message: 'the workflow has 505 actions, nested ones included; at most 500 are allowed' },
    ]);
    const comment = { id: 'c', by: 'ann', at: '2026-01-01T00:00:00Z', body: 'x'.repeat(10_000) };
    const talkative = { ...task('talk'), comments: Array.from({ length: 27 }, () => comment) };
    expect(findDefinitionProblems(definition([talkative]), pipeline)).toEqual([
      { path: ['actions'], message: expect.stringMatching(/^the definition is \d+ bytes as JSON; at most 262144/) },
    ]);
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
