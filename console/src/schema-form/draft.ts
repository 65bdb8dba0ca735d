import type { FieldModel, VariantModel } from './schema';

/**
 * What the form holds while a person types: one draft per field of the model, with numbers as the text typed and
 * every alternative of a choice kept, so switching back and forth loses nothing. Pure, like the model.
 */
export type Draft =
  | { kind: 'text'; text: string }
  | { kind: 'boolean'; checked: boolean }
  | { kind: 'const' }
  | { kind: 'object'; fields: Record<string, Draft> }
  | { kind: 'list'; items: Draft[] }
  | { kind: 'multi'; selected: string[] }
  | { kind: 'map'; entries: { key: string; value: Draft }[] }
  /** `variant: null` is "not set", offered for an optional field only. */
  | { kind: 'choice'; variant: number | null; drafts: Draft[] }
  | { kind: 'json'; text: string }
  | { kind: 'kept'; value: unknown };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The draft of a field holding `value` (undefined: a new, empty field with the schema's default, if any). */
export function draftFrom(model: FieldModel, value: unknown, required = true): Draft {
  const given = value === undefined ? model.default : value;
  switch (model.kind) {
    case 'text':
      return { kind: 'text', text: typeof given === 'string' ? given : '' };
    case 'number':
      return { kind: 'text', text: typeof given === 'number' ? String(given) : '' };
    case 'boolean':
      return { kind: 'boolean', checked: given === true };
    case 'const':
      return { kind: 'const' };
    case 'object': {
      const object = isRecord(given) ? given : {};
      return {
        kind: 'object',
        fields: Object.fromEntries(
          model.properties.map((property) => [
            property.name,
            draftFrom(property.model, object[property.name], property.required),
          ]),
        ),
      };
    }
    case 'list':
      // A new list starts with as many empty items as it needs (a random split has at least two).
      return {
        kind: 'list',
        items: Array.isArray(given)
          ? given.map((item) => draftFrom(model.item, item))
          : Array.from({ length: required ? model.minItems : 0 }, () => draftFrom(model.item, undefined)),
      };
    case 'multi':
      return {
        kind: 'multi',
        selected: Array.isArray(given) ? given.filter((item): item is string => typeof item === 'string') : [],
      };
    case 'map':
      return {
        kind: 'map',
        entries: isRecord(given)
          ? Object.entries(given).map(([key, item]) => ({ key, value: draftFrom(model.value, item) }))
          : [],
      };
    case 'choice': {
      const chosen = given === undefined ? (required ? 0 : null) : matchingVariant(model.variants, given);
      return {
        kind: 'choice',
        variant: chosen,
        drafts: model.variants.map((variant, index) => draftFrom(variant.model, index === chosen ? given : undefined)),
      };
    }
    case 'json':
      return { kind: 'json', text: given === undefined ? '' : JSON.stringify(given, null, 2) };
    case 'actions':
      return { kind: 'kept', value: Array.isArray(given) ? given : [] };
  }
}

/** Whether `value` is of this model's kind (an object: has its required properties and no others). */
function fits(model: FieldModel, value: unknown): boolean {
  switch (model.kind) {
    case 'text':
      return typeof value === 'string' && (!model.options || model.options.includes(value));
    case 'number':
      return typeof value === 'number' && (!model.integer || Number.isInteger(value));
    case 'boolean':
      return typeof value === 'boolean';
    case 'const':
      return value === model.value;
    case 'object':
      return (
        isRecord(value) &&
        model.properties.every((property) => !property.required || property.name in value) &&
        Object.keys(value).every((key) => model.properties.some((property) => property.name === key))
      );
    case 'list':
    case 'multi':
    case 'actions':
      return Array.isArray(value);
    case 'map':
      return isRecord(value);
    case 'choice':
      return model.variants.some((variant) => fits(variant.model, value));
    case 'json':
      return true;
  }
}

/** The alternative a stored value is (the first that fits), so an edit form opens on it. */
export function matchingVariant(variants: readonly VariantModel[], value: unknown): number {
  const index = variants.findIndex((variant) => fits(variant.model, value));
  return index < 0 ? 0 : index;
}

/** A field the form itself refuses to send: a required one left empty, or JSON that does not parse. */
export interface DraftProblem {
  path: string;
  message: string;
}

export const REQUIRED_MESSAGE = 'Fill this in: it is required.';

/** What `read` answers for a field to leave out of the body. */
const OMIT = Symbol('omit');

/**
 * The value to send for a draft, under the API's field path `path` (e.g. `body.action.config`): fields left empty
 * are left out, which for a required one is a problem instead. The API checks everything else.
 */
export function valueFrom(
  model: FieldModel,
  draft: Draft,
  path: string,
): { value?: unknown; problems: DraftProblem[] } {
  const problems: DraftProblem[] = [];
  const value = read(model, draft, path, true, problems);
  return value === OMIT ? { problems } : { value, problems };
}

function read(model: FieldModel, draft: Draft, path: string, required: boolean, problems: DraftProblem[]): unknown {
  const absent = (): typeof OMIT => {
    if (required) problems.push({ path, message: REQUIRED_MESSAGE });
    return OMIT;
  };
  switch (model.kind) {
    case 'text':
    case 'number': {
      const text = draft.kind === 'text' ? draft.text : '';
      if (text === '') return absent();
      if (model.kind === 'text') return text;
      // Text that is not a number goes as typed, so the API's message says what is wrong with it.
      const number = Number(text);
      return text.trim() !== '' && Number.isFinite(number) ? number : text;
    }
    case 'boolean': {
      const checked = draft.kind === 'boolean' && draft.checked;
      // An optional switch left off is left out: absent and false mean the same to every action.
      return checked ? true : required ? false : OMIT;
    }
    case 'const':
      return model.value;
    case 'object': {
      const fields = draft.kind === 'object' ? draft.fields : {};
      const inner: DraftProblem[] = [];
      const object: Record<string, unknown> = {};
      for (const property of model.properties) {
        const field = fields[property.name] ?? draftFrom(property.model, undefined, property.required);
        const value = read(property.model, field, `${path}.${property.name}`, property.required, inner);
        if (value !== OMIT) object[property.name] = value;
      }
      // An optional group left wholly empty is left out, and then its required fields are not missing.
      if (!required && Object.keys(object).length === 0) return OMIT;
      problems.push(...inner);
      return object;
    }
    case 'list': {
      const items = draft.kind === 'list' ? draft.items : [];
      // Items left empty are dropped (a blank row of a list of emails is no email).
      const values = items
        .map((item, index) => read(model.item, item, `${path}[${index}]`, false, problems))
        .filter((value) => value !== OMIT);
      return values.length === 0 && !required ? OMIT : values;
    }
    case 'multi': {
      const selected = draft.kind === 'multi' ? draft.selected : [];
      const values = model.options.filter((option) => selected.includes(option));
      return values.length === 0 && !required ? OMIT : values;
    }
    case 'map': {
      const entries = draft.kind === 'map' ? draft.entries.filter((entry) => entry.key !== '') : [];
      if (entries.length === 0) return required ? {} : OMIT;
      const object: Record<string, unknown> = {};
      for (const entry of entries) {
        const value = read(model.value, entry.value, `${path}.${entry.key}`, true, problems);
        if (value !== OMIT) object[entry.key] = value;
      }
      return object;
    }
    case 'choice': {
      if (draft.kind !== 'choice' || draft.variant === null) return absent();
      const variant = model.variants[draft.variant];
      const variantDraft = draft.drafts[draft.variant];
      if (!variant || !variantDraft) return absent();
      return read(variant.model, variantDraft, path, true, problems);
    }
    case 'json': {
      const text = draft.kind === 'json' ? draft.text.trim() : '';
      if (text === '') return absent();
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        problems.push({ path, message: `This is not valid JSON (${(error as Error).message}).` });
        return OMIT;
      }
    }
    case 'actions':
      return draft.kind === 'kept' ? draft.value : [];
  }
}

/**
 * The API field paths the form shows a message beside, for what the draft shows now: every field, group, list item,
 * map entry and chosen alternative. Messages for any other path go in the form's summary.
 */
export function shownPaths(model: FieldModel, draft: Draft, path: string): string[] {
  switch (model.kind) {
    case 'object': {
      const fields = draft.kind === 'object' ? draft.fields : {};
      return [
        path,
        ...model.properties.flatMap((property) => {
          const field = fields[property.name];
          return field ? shownPaths(property.model, field, `${path}.${property.name}`) : [];
        }),
      ];
    }
    case 'list':
      return [
        path,
        ...(draft.kind === 'list' ? draft.items : []).flatMap((item, index) =>
          shownPaths(model.item, item, `${path}[${index}]`),
        ),
      ];
    case 'map':
      return [
        path,
        ...(draft.kind === 'map' ? draft.entries : [])
          .filter((entry) => entry.key !== '')
          .flatMap((entry) => shownPaths(model.value, entry.value, `${path}.${entry.key}`)),
      ];
    case 'choice': {
      const variant = draft.kind === 'choice' && draft.variant !== null ? draft.variant : undefined;
      const chosen = variant === undefined ? undefined : model.variants[variant];
      const chosenDraft = variant === undefined || draft.kind !== 'choice' ? undefined : draft.drafts[variant];
      return chosen && chosenDraft ? [path, ...shownPaths(chosen.model, chosenDraft, path)] : [path];
    }
    case 'actions':
      return [];
    default:
      return [path];
  }
}
