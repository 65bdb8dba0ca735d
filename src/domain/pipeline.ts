import { z } from 'zod';
import { IdSchema } from './ids';

export const StageStates = { open: 'open', closed: 'closed' } as const;
export type StageState = (typeof StageStates)[keyof typeof StageStates];

export const ObjectTypeSchema = z
  .string()
  .regex(/^(deal|project|ticket|custom:[a-z][a-z0-9_]{0,49})$/, 'use deal, project, ticket or custom:<name>');

export const StageSchema = z.object({
  id: IdSchema,
  label: z.string().min(1).max(200),
  state: z.enum(['open', 'closed']),
});
export type Stage = z.infer<typeof StageSchema>;

export const PipelineSchema = z.object({
  id: IdSchema,
  objectType: ObjectTypeSchema,
  label: z.string().min(1).max(200),
  stages: z.array(StageSchema).min(1),
});
export type Pipeline = z.infer<typeof PipelineSchema>;

/** Body of `POST /api/pipelines`: ids are optional, `state` defaults to `open`. */
export const CreatePipelineSchema = z
  .object({
    id: IdSchema.optional(),
    objectType: ObjectTypeSchema,
    label: z.string().min(1).max(200),
    stages: z
      .array(
        z.object({
          id: IdSchema.optional(),
          label: z.string().min(1).max(200),
          state: z.enum(['open', 'closed']).default('open'),
        }),
      )
      .min(1, 'a pipeline needs at least one stage')
      .max(100),
  })
  .strict()
  .superRefine((pipeline, ctx) => {
    const seen = new Set<string>();
    pipeline.stages.forEach((stage, index) => {
      if (stage.id === undefined) return;
      if (seen.has(stage.id))
        ctx.addIssue({ code: 'custom', path: ['stages', index, 'id'], message: `duplicate stage id "${stage.id}"` });
      seen.add(stage.id);
    });
  });
export type CreatePipeline = z.infer<typeof CreatePipelineSchema>;

/** The first stage whose state is `open`: where a reopened ticket goes. */
export function firstOpenStage(pipeline: Pipeline): Stage | undefined {
  return pipeline.stages.find((stage) => stage.state === StageStates.open);
}
