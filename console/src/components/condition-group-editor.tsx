import type { Condition, ConditionGroup, ConditionOperator } from '../../../src/domain';
import type { ApiError } from '../api';
import { FieldError, fieldErrorId } from './problem';

/**
 * The operators of `src/domain/branching.ts` in words; `satisfies` makes the compiler name any operator the domain
 * adds and this list lacks. `takes` is the value each needs.
 */
const OPERATORS = {
  eq: { label: 'is', takes: 'one' },
  neq: { label: 'is not', takes: 'one' },
  in: { label: 'is one of', takes: 'list' },
  not_in: { label: 'is none of', takes: 'list' },
  contains: { label: 'contains', takes: 'one' },
  gt: { label: 'is greater than', takes: 'one' },
  gte: { label: 'is at least', takes: 'one' },
  lt: { label: 'is less than', takes: 'one' },
  lte: { label: 'is at most', takes: 'one' },
  known: { label: 'is known', takes: 'none' },
  unknown: { label: 'is unknown', takes: 'none' },
} as const satisfies Record<ConditionOperator, { label: string; takes: 'one' | 'list' | 'none' }>;

const OPERATOR_NAMES = Object.keys(OPERATORS) as ConditionOperator[];

/** A condition as its form holds it: the value as typed (a list comma-separated). */
export interface ConditionDraft {
  property: string;
  operator: ConditionOperator;
  value: string;
}

/** `all` and `any` as the form holds them; both empty means no conditions. */
export interface ConditionGroupDraft {
  all: ConditionDraft[];
  any: ConditionDraft[];
}

type Scalar = string | number | boolean | null;

/**
 * Reads one typed value: a number, `true`, `false` and `null` are those; text in double quotes is that text (so
 * `"42"` stays a string); anything else is the text as typed.
 */
function parseScalar(text: string): Scalar {
  const trimmed = text.trim();
  if (trimmed === 'true') return true;
  if (trimmed === 'false') return false;
  if (trimmed === 'null') return null;
  if (trimmed !== '' && Number.isFinite(Number(trimmed))) return Number(trimmed);
  if (trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')) return trimmed.slice(1, -1);
  return trimmed;
}

/** The text that `parseScalar` reads back as `value`. */
function formatScalar(value: unknown): string {
  if (typeof value !== 'string') return JSON.stringify(value) ?? '';
  return parseScalar(value) === value ? value : JSON.stringify(value);
}

function conditionOf(draft: ConditionDraft): Condition {
  const takes = OPERATORS[draft.operator].takes;
  const base = { property: draft.property.trim(), operator: draft.operator };
  if (takes === 'none') return base;
  if (takes === 'list') {
    return {
      ...base,
      value: draft.value
        .split(',')
        .filter((part) => part.trim() !== '')
        .map(parseScalar),
    };
  }
  return { ...base, value: parseScalar(draft.value) };
}

function draftOf(condition: Condition): ConditionDraft {
  const value = Array.isArray(condition.value)
    ? condition.value.map(formatScalar).join(', ')
    : condition.value === undefined
      ? ''
      : formatScalar(condition.value);
  return { property: condition.property, operator: condition.operator, value };
}

export const emptyConditionGroup = (): ConditionGroupDraft => ({ all: [], any: [] });

export function conditionGroupDraft(group: ConditionGroup | undefined): ConditionGroupDraft {
  return { all: (group?.all ?? []).map(draftOf), any: (group?.any ?? []).map(draftOf) };
}

/** The group the API takes, or `null` when the form holds no condition (a PATCH then removes them). */
export function conditionGroupOf(draft: ConditionGroupDraft): ConditionGroup | null {
  if (draft.all.length === 0 && draft.any.length === 0) return null;
  return {
    ...(draft.all.length > 0 && { all: draft.all.map(conditionOf) }),
    ...(draft.any.length > 0 && { any: draft.any.map(conditionOf) }),
  };
}

const LISTS = [
  { key: 'all', title: 'All of these hold' },
  { key: 'any', title: 'At least one of these holds' },
] as const;

/**
 * Edits a `{ all?, any? }` group of conditions on record properties (`stageId` for the stage), as `branch_if`,
 * `enrollment.conditions` and `settings.goal` take it. `path` is where the group sits in the request
 * (`enrollment.conditions`), so that the API's messages, such as `enrollment.conditions.all[0].value`, appear
 * beside their fields; `idPrefix` keeps the inputs' ids unique on the page.
 */
export function ConditionGroupEditor({
  value,
  onChange,
  path,
  idPrefix,
  error,
  readOnly,
}: {
  value: ConditionGroupDraft;
  onChange: (value: ConditionGroupDraft) => void;
  path: string;
  idPrefix: string;
  error?: ApiError;
  readOnly?: boolean;
}) {
  const update = (list: 'all' | 'any', index: number, change: Partial<ConditionDraft>) =>
    onChange({ ...value, [list]: value[list].map((row, at) => (at === index ? { ...row, ...change } : row)) });
  return (
    <div class="condition-group">
      <FieldError error={error} path={path} id={`${idPrefix}-group`} />
      {LISTS.map(({ key, title }) => (
        <fieldset key={key} class="condition-list">
          <legend>{title}</legend>
          {value[key].length === 0 && <p class="hint">None.</p>}
          <ol>
            {value[key].map((row, index) => {
              const id = `${idPrefix}-${key}-${index}`;
              const at = `${path}.${key}[${index}]`;
              const takes = OPERATORS[row.operator].takes;
              const position = `${key === 'all' ? 'All' : 'Any'} condition ${index + 1}`;
              return (
                <li key={index} class="condition-row">
                  <span class="field">
                    <label for={`${id}-property`}>Property</label>
                    <input
                      id={`${id}-property`}
                      value={row.property}
                      placeholder="tier, or stageId"
                      required
                      readOnly={readOnly}
                      aria-describedby={fieldErrorId(`${id}-property`)}
                      onInput={(event) => update(key, index, { property: event.currentTarget.value })}
                    />
                    <FieldError error={error} path={`${at}.property`} id={`${id}-property`} />
                  </span>
                  <span class="field">
                    <label for={`${id}-operator`}>Operator</label>
                    <select
                      id={`${id}-operator`}
                      value={row.operator}
                      disabled={readOnly}
                      aria-describedby={fieldErrorId(`${id}-operator`)}
                      onChange={(event) =>
                        update(key, index, { operator: event.currentTarget.value as ConditionOperator })
                      }
                    >
                      {OPERATOR_NAMES.map((name) => (
                        <option key={name} value={name}>
                          {OPERATORS[name].label}
                        </option>
                      ))}
                    </select>
                    <FieldError error={error} path={`${at}.operator`} id={`${id}-operator`} />
                  </span>
                  <span class="field">
                    <label for={`${id}-value`}>{takes === 'list' ? 'Values (comma-separated)' : 'Value'}</label>
                    <input
                      id={`${id}-value`}
                      value={takes === 'none' ? '' : row.value}
                      disabled={takes === 'none'}
                      readOnly={readOnly}
                      placeholder={takes === 'none' ? 'no value' : takes === 'list' ? 'gold, silver' : 'gold'}
                      aria-describedby={fieldErrorId(`${id}-value`)}
                      onInput={(event) => update(key, index, { value: event.currentTarget.value })}
                    />
                    <FieldError error={error} path={`${at}.value`} id={`${id}-value`} />
                  </span>
                  {!readOnly && (
                    <button
                      type="button"
                      class="remove"
                      aria-label={`Remove ${position}`}
                      onClick={() => onChange({ ...value, [key]: value[key].filter((_, at) => at !== index) })}
                    >
                      Remove
                    </button>
                  )}
                </li>
              );
            })}
          </ol>
          {!readOnly && (
            <button
              type="button"
              onClick={() =>
                onChange({ ...value, [key]: [...value[key], { property: '', operator: 'eq', value: '' }] })
              }
            >
              {key === 'all' ? 'Add an “all” condition' : 'Add an “any” condition'}
            </button>
          )}
        </fieldset>
      ))}
      {!readOnly && (
        <p class="hint">
          Numbers, <code>true</code>, <code>false</code> and <code>null</code> are compared as such; put text in double
          quotes to keep it text (<code>"42"</code>).
        </p>
      )}
    </div>
  );
}
