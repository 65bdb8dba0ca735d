import { z } from 'zod';
import { asInstant, asNumber, type ConditionOperator, ConditionOperators } from './branching';
import { Limits } from './limits';

/**
 * The schemas of the conditions that branch actions test against a record, and of random splits. How they are
 * evaluated is in `branching.ts`, which workflow code imports; this module builds zod schemas, so workflow code must
 * not import it other than with `import type` (the workflow bundle runs module code again for every workflow
 * instance).
 */

/** A value a condition compares with, or a branch matches; strings are bounded so that comparing them stays cheap. */
export const ConditionScalarSchema = z.union([z.string().max(Limits.conditionText), z.number(), z.boolean(), z.null()]);

const LIST_OPERATORS: readonly ConditionOperator[] = [ConditionOperators.in, ConditionOperators.notIn];
const PRESENCE_OPERATORS: readonly ConditionOperator[] = [ConditionOperators.known, ConditionOperators.unknown];
const ORDER_OPERATORS: readonly ConditionOperator[] = [
  ConditionOperators.gt,
  ConditionOperators.gte,
  ConditionOperators.lt,
  ConditionOperators.lte,
];

/** Why `value` does not suit `operator`, as a sentence saying what to send instead; `undefined` when it does. */
function valueProblem(operator: ConditionOperator, value: unknown): string | undefined {
  if (LIST_OPERATORS.includes(operator)) {
    if (!Array.isArray(value)) return `\`${operator}\` needs \`value\` as a list, like ["gold", "silver"]`;
    if (value.length === 0) return `\`${operator}\` needs at least one value in the list`;
    return undefined;
  }
  if (PRESENCE_OPERATORS.includes(operator)) {
    return value === undefined ? undefined : `\`${operator}\` takes no \`value\`; remove it`;
  }
  if (value === undefined || Array.isArray(value)) {
    return `\`${operator}\` needs a single \`value\` (a string, number, boolean or null)`;
  }
  if (ORDER_OPERATORS.includes(operator) && asNumber(value) === undefined && asInstant(value) === undefined) {
    return `\`${operator}\` compares numbers or dates: use a number, like 10, or an ISO-8601 date, like "2025-01-31"`;
  }
  return undefined;
}

/** One test of a record property, as written in a `branch_if` config. */
export const ConditionSchema = z
  .object({
    property: z.string().min(1).max(100).describe("a record property name, or 'stageId' for the record's stage"),
    operator: z.enum(ConditionOperators),
    value: z.union([ConditionScalarSchema, z.array(ConditionScalarSchema).max(1_000)]).optional(),
  })
  .strict()
  .superRefine((condition, ctx) => {
    const problem = valueProblem(condition.operator, condition.value);
    if (problem) ctx.addIssue({ code: 'custom', path: ['value'], message: problem });
  });
export type Condition = z.infer<typeof ConditionSchema>;

const ConditionListSchema = z.array(ConditionSchema).max(50);

/** The conditions of a `branch_if`: `all` must every one hold, `any` at least one; with both, both must hold. */
export const ConditionGroupSchema = z
  .object({ all: ConditionListSchema.optional(), any: ConditionListSchema.optional() })
  .strict()
  .refine(
    (group) => (group.all?.length ?? 0) + (group.any?.length ?? 0) > 0,
    'add at least one condition to `all` or `any`',
  );
export type ConditionGroup = z.infer<typeof ConditionGroupSchema>;

/** One arm of a random split. Branch configs `.extend` it with their own fields (such as `actions`). */
export const RandomSplitSchema = z.object({ percent: z.number().int().min(1).max(100) });

/**
 * The rules every list of random splits keeps (2 to 10 arms whose percents add up to 100), applied to any split
 * shape built on `RandomSplitSchema`, so a branch config can check `{ percent, actions }` arms the same way.
 */
export function randomSplitsOf<Split extends z.ZodType<{ percent: number }>>(split: Split) {
  return z
    .array(split)
    .min(2)
    .max(10)
    .superRefine((splits, ctx) => {
      const sum = splits.reduce((total, { percent }) => total + percent, 0);
      if (sum !== 100) ctx.addIssue({ code: 'custom', message: `percents must add up to 100; they add up to ${sum}` });
    });
}
