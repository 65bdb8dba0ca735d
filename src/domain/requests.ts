import { z } from 'zod';
import { ActionInputSchema } from './actions';
import { IdSchema } from './ids';
import { RoleSchema } from './roles';

/**
 * Schemas of the HTTP requests that are not domain objects themselves: list filters and paging, action placement
 * and edits, comments, email templates and tokens. The routers validate with them and `/openapi.json` publishes them.
 */

/** `?limit=&cursor=` on every list: at most 500 items a page, 100 unless asked. */
export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().min(1).max(200).optional(),
});

/** `?limit=&cursor=` and nothing else: lists without filters. */
export const PageOnlyQuerySchema = PageQuerySchema.strict();

export const ListWorkflowsQuerySchema = PageQuerySchema.extend({ pipelineId: IdSchema.optional() }).strict();

export const EnrollmentsQuerySchema = PageQuerySchema.extend({
  recordId: IdSchema.optional(),
  status: z.enum(['running', 'waiting', 'completed', 'cancelled', 'failed']).optional(),
}).strict();

/** `GET /api/records/:id/timeline`: oldest first unless `order=desc` (newest first, paging back in time). */
export const TimelineQuerySchema = PageQuerySchema.extend({
  order: z.enum(['asc', 'desc']).default('asc'),
}).strict();

/** `GET /api/records/:id/enrollments`: the record's enrollments in every workflow. */
export const RecordEnrollmentsQuerySchema = EnrollmentsQuerySchema.omit({ recordId: true });

export const TasksQuerySchema = PageQuerySchema.extend({ recordId: IdSchema.optional() }).strict();

export const EmailsQuerySchema = PageQuerySchema.extend({
  recordId: IdSchema.optional(),
  to: z.string().min(1).max(320).optional(),
}).strict();

export const AddActionSchema = z
  .object({
    action: ActionInputSchema,
    after: IdSchema.nullable().optional(),
    parent: z
      .object({
        actionId: IdSchema,
        branch: z
          .string()
          .regex(/^(then|else|default|case:\d{1,2}|split:\d{1,2})$/, 'use then, else, default, case:<n> or split:<n>'),
      })
      .strict()
      .optional(),
  })
  .strict();

export const PatchActionSchema = z.object({ config: z.unknown() }).strict();

export const DeleteActionQuerySchema = z.object({ mode: z.enum(['only', 'following']).default('only') }).strict();

export const CommentInputSchema = z.object({ body: z.string().min(1).max(10_000) }).strict();

export const CreateTemplateSchema = z
  .object({
    id: IdSchema.optional(),
    name: z.string().min(1).max(200),
    subject: z.string().min(1).max(500),
    body: z.string().min(1).max(100_000),
    transactional: z.boolean().default(false),
  })
  .strict();

export const UpdateTemplateSchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    subject: z.string().min(1).max(500),
    body: z.string().min(1).max(100_000),
  })
  .strict();

export const CreateTokenSchema = z.object({ name: z.string().min(1).max(200), role: RoleSchema }).strict();

/** `POST /api/workflows/:id/enrollments` and `…/enrollments/unenroll`: the record to enroll or unenroll by hand. */
export const ManualEnrollmentSchema = z.object({ recordId: IdSchema }).strict();

/** `POST /api/workflows/:id/test`: the record to walk the workflow for. */
export const TestRunSchema = z.object({ recordId: IdSchema }).strict();

/** `POST /api/workflows/:id/actions/:actionId/retry`: every enrollment where the action failed, or these records'. */
export const RetryActionSchema = z.object({ recordIds: z.array(IdSchema).min(1).max(1_000).optional() }).strict();
