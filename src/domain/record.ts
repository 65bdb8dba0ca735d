import { z } from 'zod';
import { IdSchema } from './ids';

export const ContactSchema = z
  .object({
    email: z.email(),
    name: z.string().max(200).optional(),
    marketing: z.boolean().default(false),
  })
  .strict();
export type Contact = z.infer<typeof ContactSchema>;

const PropertiesSchema = z.record(z.string().min(1).max(100), z.unknown());

export const CreateRecordSchema = z
  .object({
    id: IdSchema.optional(),
    pipelineId: IdSchema,
    stageId: IdSchema,
    properties: PropertiesSchema.default({}),
    source: z.string().min(1).max(50).optional(),
    ownerId: z.string().min(1).max(200).optional(),
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
