import { z } from 'zod';
import { IdSchema } from './ids';
import { propertiesProblem } from './limits';

export const ContactSchema = z
  .object({
    email: z.email(),
    name: z.string().max(200).optional(),
    marketing: z.boolean().default(false),
  })
  .strict();
export type Contact = z.infer<typeof ContactSchema>;

const PropertyNameSchema = z
  .string()
  .min(1)
  .max(100)
  .refine((name) => name !== '__proto__', '`__proto__` cannot be a property name');

/** Properties as a request gives them: within the limits by themselves (a merge is checked again after it). */
const PropertiesSchema = z.record(PropertyNameSchema, z.unknown()).superRefine((properties, ctx) => {
  const problem = propertiesProblem(properties);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const CreateRecordSchema = z
  .object({
    id: IdSchema.optional(),
    pipelineId: IdSchema,
    stageId: IdSchema,
    properties: PropertiesSchema.default({}),
    source: z.string().min(1).max(50).optional(),
    ownerId: z.email().max(254).describe("the owner's email address: notifications to the owner go to it").optional(),
    contacts: z.array(ContactSchema).max(100).default([]),
  })
  .strict();
export type CreateRecord = z.infer<typeof CreateRecordSchema>;

/** Body of `PATCH /api/records/:id`. A property set to `null` is removed. */
export const PatchRecordSchema = z
  .object({
    stageId: IdSchema.optional(),
    properties: PropertiesSchema.optional(),
  })
  .strict()
  .refine((patch) => patch.stageId !== undefined || patch.properties !== undefined, 'send stageId, properties or both');
export type PatchRecord = z.infer<typeof PatchRecordSchema>;

export interface CrmRecord {
  id: string;
  objectType: string;
  pipelineId: string;
  stageId: string;
  properties: Record<string, unknown>;
  source: string | null;
  ownerId: string | null;
  contacts: Contact[];
  version: number;
  createdAt: string;
  updatedAt: string;
}
