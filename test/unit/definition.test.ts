import { type Action, ActionInputSchema } from '../../src/domain/actions';
import type { Pipeline } from '../../src/domain/pipeline';
import { CreateWorkflowSchema, findDefinitionProblems } from '../../src/domain/workflow';

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
  it('fills defaults for enrollment and settings', () => {
    const parsed = CreateWorkflowSchema.parse({
      pipelineId: 'deals',
      name: 'W',
      trigger: { type: 'stage_entered', stageId: 'new' },
    });
    expect(parsed).toMatchObject({
      enrollment: { reenroll: false },
      settings: { unenrollOnStageExit: true },
      actions: [],
    });
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
