import { z } from 'zod';

/**
 * Ids supplied by clients or made by the server. They appear inside Temporal workflow ids
 * (`enrollment/<workflowId>/<recordId>/<eventId>`) and idempotency keys (`<enrollmentId>:<actionId>`),
 * so `/` and `:` are not allowed.
 */
export const IdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/,
    'use 1–100 letters, digits, "_", "-" or "." (starting with a letter or digit)',
  );
export type Id = z.infer<typeof IdSchema>;

/** Makes a new server-side id with a readable prefix, e.g. `rec_3f2a…`. */
export function newId(prefix: string, uuid: string): string {
  return `${prefix}_${uuid.replace(/-/g, '')}`;
}
