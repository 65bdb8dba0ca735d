import { z } from 'zod';

/** `POST /api/workflows/:id/enable`; the body may be left out. */
export const EnableWorkflowSchema = z
  .object({
    enrollExisting: z
      .boolean()
      .default(false)
      .describe('also enroll, once each, the records already in the trigger stage (stage-entry triggers only)'),
  })
  .strict();

export const BackfillStatuses = { running: 'running', done: 'done' } as const;
export type BackfillStatus = (typeof BackfillStatuses)[keyof typeof BackfillStatuses];

/** How far the latest `enrollExisting` of a workflow has come, as `GET /api/workflows/:id` shows it. */
export const BackfillProgressSchema = z.object({
  status: z.enum([BackfillStatuses.running, BackfillStatuses.done]),
  enrolled: z.number().int(),
  skipped: z.number().int(),
  total: z.number().int(),
});
export type BackfillProgress = z.infer<typeof BackfillProgressSchema>;

/** What the timeline line of a backfill's decision says after `enrolled` or `not enrolled`. */
export const BACKFILL_CAUSE = 'already in the stage when the workflow was turned on';
