/**
 * From the JSON schemas `/openapi.json` publishes to a model of the form that edits a value of that schema: which
 * input each field gets, its label and hint. Pure (no DOM), so it is unit-tested; `fields.tsx` renders the model.
 */

/** The part of JSON Schema (as zod's `toJSONSchema` writes it) the form understands. */
export interface JsonSchema {
  $ref?: string;
  type?: string;
  enum?: readonly unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: readonly string[];
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  anyOf?: readonly JsonSchema[];
  oneOf?: readonly JsonSchema[];
  title?: string;
  description?: string;
  default?: unknown;
  format?: string;
  maxLength?: number;
  minItems?: number;
}

interface Hints {
  /** The schema's `description`, shown under the input. */
  description?: string;
  default?: unknown;
}

export interface PropertyModel {
  name: string;
  label: string;
  required: boolean;
  model: FieldModel;
}

export interface VariantModel {
  label: string;
  model: FieldModel;
}

/** One input (or group of inputs) of the form, by the kind of value it edits. */
export type FieldModel = Hints &
  (
    | { kind: 'text'; options?: readonly string[]; multiline: boolean; format?: string }
    | { kind: 'number'; integer: boolean }
    | { kind: 'boolean' }
    /** A fixed value (`null`, or one value of an enum offered as its own alternative): nothing to type. */
    | { kind: 'const'; value: unknown }
    | { kind: 'object'; properties: PropertyModel[] }
    | { kind: 'list'; item: FieldModel; itemLabel: string; minItems: number }
    /** An array of enum strings: one checkbox per value. */
    | { kind: 'multi'; options: readonly string[] }
    /** An object with free keys (`additionalProperties`), e.g. webhook headers. */
    | { kind: 'map'; value: FieldModel; entryLabel: string }
    | { kind: 'choice'; variants: VariantModel[] }
    /** Any JSON value (a recursive schema such as `JsonValue`): typed as JSON text. */
    | { kind: 'json' }
    /** A branch's nested action list: not edited here (the board adds nested actions), sent back as it was. */
    | { kind: 'actions' }
  );

/** The schema every action (and every nested action list's item) is, under `components.schemas`. */
export const ACTION_INPUT = 'ActionInput';

const REF_PREFIX = '#/components/schemas/';
const ACRONYMS: Record<string, string> = { id: 'ID', url: 'URL', json: 'JSON' };

/** `untilDayTime` → "Until day time", `send_internal_notification` → "Send internal notification", `stageId` → "Stage ID". */
export function humanize(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_-]+/)
    .filter(Boolean)
    .map((word) => ACRONYMS[word.toLowerCase()] ?? word.toLowerCase());
  const sentence = words.join(' ');
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

/** "Users" → "User", "Splits" → "Split": the label of one item of a list. */
const singular = (label: string): string => (/[^s]s$/.test(label) ? label.slice(0, -1) : label);

/** Long free text gets a textarea: a field named like a message body, or one that may hold more than 10,000 characters. */
const isMultiline = (name: string | undefined, schema: JsonSchema): boolean =>
  /^(body|message|description|text)$/i.test(name ?? '') || (schema.maxLength ?? 0) > 10_000;

/** Builds the form model of `schema`; `schemas` are the document's `components.schemas`, for `$ref`s. */
export function modelOf(schema: JsonSchema, schemas: Record<string, JsonSchema>, name?: string): FieldModel {
  const hints: Hints = {};
  if (schema.description) hints.description = schema.description;
  if (schema.default !== undefined) hints.default = schema.default;

  if (schema.$ref) {
    const refName = schema.$ref.startsWith(REF_PREFIX) ? schema.$ref.slice(REF_PREFIX.length) : undefined;
    const target = refName === undefined ? undefined : schemas[refName];
    // A schema that refers to itself (JsonValue) has no finite form: it is typed as JSON.
    if (!target || JSON.stringify(target).includes(`"${REF_PREFIX}${refName}"`)) return { kind: 'json', ...hints };
    return { ...modelOf(target, schemas, name), ...hints };
  }

  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return { kind: 'choice', variants: variantsOf(alternatives, schemas, name), ...hints };

  switch (schema.type) {
    case 'string':
      return {
        kind: 'text',
        ...(schema.enum ? { options: schema.enum.map(String) } : {}),
        multiline: isMultiline(name, schema),
        ...(schema.format ? { format: schema.format } : {}),
        ...hints,
      };
    case 'number':
    case 'integer':
      return { kind: 'number', integer: schema.type === 'integer', ...hints };
    case 'boolean':
      return { kind: 'boolean', ...hints };
    case 'null':
      return { kind: 'const', value: null, ...hints };
    case 'array': {
      const items = schema.items ?? {};
      if (items.$ref === `${REF_PREFIX}${ACTION_INPUT}`) return { kind: 'actions', ...hints };
      if (items.type === 'string' && items.enum) return { kind: 'multi', options: items.enum.map(String), ...hints };
      return {
        kind: 'list',
        item: modelOf(items, schemas),
        itemLabel: singular(humanize(name ?? 'item')),
        minItems: schema.minItems ?? 0,
        ...hints,
      };
    }
    case 'object': {
      if (schema.properties) {
        const required = new Set(schema.required ?? []);
        return {
          kind: 'object',
          properties: Object.entries(schema.properties).map(([property, propertySchema]) => ({
            name: property,
            label: humanize(property),
            required: required.has(property),
            model: modelOf(propertySchema, schemas, property),
          })),
          ...hints,
        };
      }
      if (typeof schema.additionalProperties === 'object') {
        return {
          kind: 'map',
          value: modelOf(schema.additionalProperties, schemas),
          entryLabel: singular(humanize(name ?? 'entry')),
          ...hints,
        };
      }
      return { kind: 'json', ...hints };
    }
    default:
      if (schema.const !== undefined) return { kind: 'const', value: schema.const, ...hints };
      return { kind: 'json', ...hints };
  }
}

/**
 * The alternatives of an `anyOf`/`oneOf`, flattened: nested alternatives join the list, and each value of an enum is
 * an alternative of its own (the send_email template: "Ticket received", "Ticket closed", "Custom email ID").
 */
function variantsOf(
  alternatives: readonly JsonSchema[],
  schemas: Record<string, JsonSchema>,
  name: string | undefined,
): VariantModel[] {
  return alternatives.flatMap((alternative): VariantModel[] => {
    const nested = alternative.anyOf ?? alternative.oneOf;
    if (nested && !alternative.title) return variantsOf(nested, schemas, name);
    if (alternative.type === 'string' && alternative.enum) {
      return alternative.enum.map((value) => ({ label: humanize(String(value)), model: { kind: 'const', value } }));
    }
    const model = modelOf(alternative, schemas, name);
    return [{ label: alternative.title ?? variantLabel(model), model }];
  });
}

function variantLabel(model: FieldModel): string {
  switch (model.kind) {
    case 'object':
      // `{ for }` / `{ until }` / `{ customEmailId }`: the one property names the alternative.
      return model.properties.length === 1 ? model.properties[0]!.label : 'Fields';
    case 'text':
      return 'Text';
    case 'number':
      return 'Number';
    case 'boolean':
      return 'Yes or no';
    case 'const':
      return typeof model.value === 'string'
        ? humanize(model.value)
        : model.value === null
          ? 'Empty (null)'
          : JSON.stringify(model.value);
    case 'list':
    case 'multi':
      return 'List';
    default:
      return humanize(model.kind);
  }
}

/** An action type the API accepts, with the model of its config form. */
export interface ActionTypeModel {
  type: string;
  label: string;
  config: FieldModel;
}

/** The action types of an OpenAPI document, in its order, from `components.schemas.ActionInput`'s alternatives. */
export function actionTypesOf(document: unknown): ActionTypeModel[] {
  const schemas = (document as { components?: { schemas?: Record<string, JsonSchema> } }).components?.schemas ?? {};
  const input = schemas[ACTION_INPUT];
  const alternatives = input?.oneOf ?? input?.anyOf;
  if (!alternatives) throw new Error(`/openapi.json has no components.schemas.${ACTION_INPUT} with alternatives`);
  return alternatives.flatMap((alternative) => {
    const type = alternative.properties?.type?.const;
    const config = alternative.properties?.config;
    if (typeof type !== 'string' || !config) return [];
    return [{ type, label: humanize(type), config: modelOf(config, schemas) }];
  });
}
