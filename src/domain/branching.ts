import type { Condition, ConditionGroup } from './conditions';

/**
 * How branch actions choose: conditions tested against a record (`branch_if`), value cases (`branch_value`) and the
 * arithmetic of random splits (`branch_random`). Everything here is pure and gives the same answer on every replay:
 * no clock, no randomness, no dependence on the machine's time zone or locale.
 *
 * Workflow code imports this module, so it must stay free of zod, directly and through its imports (`import type`
 * is fine): the workflow bundle runs its module code again for every workflow instance, and building zod schemas
 * there cost every workflow start a large share of its CPU. The schemas are in `conditions.ts`.
 */

export const ConditionOperators = {
  eq: 'eq',
  neq: 'neq',
  in: 'in',
  notIn: 'not_in',
  contains: 'contains',
  gt: 'gt',
  gte: 'gte',
  lt: 'lt',
  lte: 'lte',
  known: 'known',
  unknown: 'unknown',
} as const;
export type ConditionOperator = (typeof ConditionOperators)[keyof typeof ConditionOperators];

/** A record as conditions see it. */
export interface ConditionRecord {
  stageId: string;
  properties: Record<string, unknown>;
}

/** Whether `condition` holds for `record`. A missing property is `undefined`: unknown, and equal only to null. */
export function evaluateCondition(condition: Condition, record: ConditionRecord): boolean {
  const actual = readProperty(record, condition.property);
  const expected = condition.value;
  switch (condition.operator) {
    case ConditionOperators.eq:
      return valuesEqual(actual, expected);
    case ConditionOperators.neq:
      return !valuesEqual(actual, expected);
    case ConditionOperators.in:
      return isListed(actual, expected);
    case ConditionOperators.notIn:
      return !isListed(actual, expected);
    case ConditionOperators.contains:
      return contains(actual, expected);
    case ConditionOperators.gt:
      return compareOrder(actual, expected, (order) => order > 0);
    case ConditionOperators.gte:
      return compareOrder(actual, expected, (order) => order >= 0);
    case ConditionOperators.lt:
      return compareOrder(actual, expected, (order) => order < 0);
    case ConditionOperators.lte:
      return compareOrder(actual, expected, (order) => order <= 0);
    case ConditionOperators.known:
      return isKnown(actual);
    case ConditionOperators.unknown:
      return !isKnown(actual);
  }
}

/**
 * `all` needs every condition, `any` at least one; both present means both hold.
 * An empty list asks nothing, so `{ all: [c], any: [] }` is decided by `c` alone.
 */
export function evaluateConditions(group: ConditionGroup, record: ConditionRecord): boolean {
  const all = group.all ?? [];
  const any = group.any ?? [];
  return (
    all.every((condition) => evaluateCondition(condition, record)) &&
    (any.length === 0 || any.some((condition) => evaluateCondition(condition, record)))
  );
}

/** Longest stretch of a value a sentence quotes; a longer one is cut with an ellipsis. */
const QUOTED_VALUE_LENGTH = 100;

/** A value as a sentence quotes it: JSON, cut past `QUOTED_VALUE_LENGTH` characters; `not set` when missing. */
export function quoteValue(value: unknown): string {
  if (value === undefined) return 'not set';
  const text = JSON.stringify(value);
  return text.length > QUOTED_VALUE_LENGTH ? `${text.slice(0, QUOTED_VALUE_LENGTH)}…` : text;
}

/** One condition as a person reads it, with the record's value: `"tier" eq "gold" (it is "silver")`. */
function describeUnmet(condition: Condition, record: ConditionRecord): string {
  const test = condition.value === undefined ? '' : ` ${quoteValue(condition.value)}`;
  const actual = readProperty(record, condition.property);
  return `"${condition.property}" ${condition.operator}${test} (it is ${quoteValue(actual)})`;
}

/**
 * Why `record` does not meet `group`, naming the first condition of `all` that fails or, when none of `any` holds,
 * each of them; undefined when the group holds. Says the same as `evaluateConditions`, in words.
 */
export function unmetConditions(group: ConditionGroup, record: ConditionRecord): string | undefined {
  const failing = (group.all ?? []).find((condition) => !evaluateCondition(condition, record));
  if (failing) return `condition not met: ${describeUnmet(failing, record)}`;
  const any = group.any ?? [];
  if (any.length === 0 || any.some((condition) => evaluateCondition(condition, record))) return undefined;
  if (any.length === 1) return `condition not met: ${describeUnmet(any[0]!, record)}`;
  return `none of the conditions holds: ${any.map((condition) => describeUnmet(condition, record)).join('; ')}`;
}

/**
 * For branch_value: index of the first case whose `values` contain the property value (same equality as `eq`),
 * or -1 for the default branch.
 */
export function matchValueCase(cases: readonly { values: readonly unknown[] }[], value: unknown): number {
  return cases.findIndex((branchCase) => branchCase.values.some((option) => valuesEqual(value, option)));
}

/**
 * For branch_random: given `roll` in [0, 1), the index of the split it falls into (cumulative percents).
 * The caller supplies a replay-safe random number. Split `i` covers [sum of percents before it, sum up to it] / 100,
 * end excluded; a roll at or past the end of the last split (only possible with a bad roll or unchecked splits)
 * lands in the last one.
 */
export function pickSplit(splits: readonly { percent: number }[], roll: number): number {
  if (splits.length === 0) throw new RangeError('pickSplit needs at least one split');
  let cumulative = 0;
  for (const [index, split] of splits.entries()) {
    cumulative += split.percent;
    // Dividing the integer sum (rather than multiplying the roll) keeps each boundary exactly at sum / 100.
    if (roll < cumulative / 100) return index;
  }
  return splits.length - 1;
}

function readProperty(record: ConditionRecord, property: string): unknown {
  if (property === 'stageId') return record.stageId;
  // Own properties only: names like `constructor` must not read Object.prototype.
  return Object.hasOwn(record.properties, property) ? record.properties[property] : undefined;
}

function isAbsent(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

/** Unknown means no value: missing, null, blank text, or an empty list. */
function isKnown(value: unknown): boolean {
  if (isAbsent(value)) return false;
  if (typeof value === 'string') return value.trim() !== '';
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

/**
 * Decimal numerals: `12`, `1.5`, `1.`, `.5`, `-2e3`. Written so that each character can be matched one way only
 * (the fraction's digits only after a dot), which keeps the test linear in the length of the text: the form
 * `\d+\.?\d*` split a run of digits between its two parts in every possible way before failing.
 */
const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

/** A number, or numeric text, as a finite number; `undefined` for anything else. */
export function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || !NUMERIC.test(value.trim())) return undefined;
  const number = Number(value.trim());
  return Number.isFinite(number) ? number : undefined;
}

/**
 * A number to test equality with. Numeric text too long to be held exactly (account numbers, external ids)
 * stays text, so two different 20-digit ids are never equal just because they round to the same number.
 */
function asExactNumber(value: unknown): number | undefined {
  const number = asNumber(value);
  return typeof value === 'string' && number !== undefined && Math.abs(number) > Number.MAX_SAFE_INTEGER
    ? undefined
    : number;
}

function asBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const text = normalizeText(value);
  return text === 'true' ? true : text === 'false' ? false : undefined;
}

function normalizeText(text: string): string {
  return text.trim().normalize('NFC').toLowerCase();
}

/** The equality of `eq`, `in`, array `contains` and `branch_value`. Lists and objects equal nothing. */
function valuesEqual(left: unknown, right: unknown): boolean {
  if (isAbsent(left) || isAbsent(right)) return isAbsent(left) && isAbsent(right);
  const leftNumber = asExactNumber(left);
  const rightNumber = asExactNumber(right);
  if (leftNumber !== undefined && rightNumber !== undefined) return leftNumber === rightNumber;
  const leftBoolean = asBoolean(left);
  const rightBoolean = asBoolean(right);
  if (leftBoolean !== undefined && rightBoolean !== undefined) return leftBoolean === rightBoolean;
  return typeof left === 'string' && typeof right === 'string' && normalizeText(left) === normalizeText(right);
}

function isListed(actual: unknown, options: unknown): boolean {
  return Array.isArray(options) && options.some((option) => valuesEqual(actual, option));
}

/** A text property holds the value as a case-insensitive substring; a list property holds an equal element. */
function contains(actual: unknown, needle: unknown): boolean {
  if (Array.isArray(actual)) return actual.some((element) => valuesEqual(element, needle));
  if (typeof actual !== 'string') return false;
  if (typeof needle !== 'string' && typeof needle !== 'number' && typeof needle !== 'boolean') return false;
  // The needle is not trimmed: a leading or trailing space can be part of what is looked for (" inc").
  return actual.normalize('NFC').toLowerCase().includes(String(needle).normalize('NFC').toLowerCase());
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * The instant an ISO-8601 date or date-time names, in epoch milliseconds; `undefined` for anything else, including
 * impossible days like 2025-02-30. A date means midnight UTC, and a date-time without an offset is read as UTC:
 * the answer must not depend on the worker's time zone.
 */
export function asInstant(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = ISO_DATE.exec(value.trim());
  if (!match) return undefined;
  const [, year, month, day, hoursMinutes, seconds, zone] = match;
  if (Number(month) < 1 || Number(month) > 12) return undefined;
  const lastDayOfMonth = new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate();
  if (Number(day) < 1 || Number(day) > lastDayOfMonth) return undefined;
  const date = `${year}-${month}-${day}`;
  const offset = !zone || zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const instant = Date.parse(
    hoursMinutes ? `${date}T${hoursMinutes}${seconds ?? ':00'}${offset}` : `${date}T00:00:00Z`,
  );
  return Number.isNaN(instant) ? undefined : instant;
}

/** Orders numbers (or numeric text) as numbers and two ISO dates as instants; anything else has no order. */
function compareOrder(actual: unknown, expected: unknown, holds: (order: number) => boolean): boolean {
  const actualNumber = asNumber(actual);
  const expectedNumber = asNumber(expected);
  if (actualNumber !== undefined && expectedNumber !== undefined)
    return holds(Math.sign(actualNumber - expectedNumber));
  const actualInstant = asInstant(actual);
  const expectedInstant = asInstant(expected);
  if (actualInstant !== undefined && expectedInstant !== undefined) {
    return holds(Math.sign(actualInstant - expectedInstant));
  }
  return false;
}
