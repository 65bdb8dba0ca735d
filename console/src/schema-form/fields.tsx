import type { ApiError } from '../api';
import { FieldError, fieldErrorId } from '../components/problem';
import { type Draft, draftFrom } from './draft';
import type { FieldModel } from './schema';

/**
 * Renders a form model (`schema.ts`) over its draft (`draft.ts`): one labelled input per field, groups as fieldsets,
 * lists with add and remove, alternatives behind a select. Each field shows the API's message for its path beside
 * it; exactly one element shows each path, matching `shownPaths`.
 */
export interface FieldProps {
  model: FieldModel;
  draft: Draft;
  onChange: (draft: Draft) => void;
  /** The API's field path of this value, e.g. `body.action.config.title`. */
  path: string;
  /** The DOM id of its input; nested fields extend it. */
  id: string;
  label: string;
  required: boolean;
  error?: ApiError;
  /** An object drawn without its own fieldset: the config itself, or the chosen alternative of a choice. */
  bare?: boolean;
}

const FORMAT_HINTS: Record<string, string> = {
  'date-time': 'An ISO-8601 instant with its offset, e.g. 2031-05-01T09:00:00Z.',
  email: 'An email address.',
  uri: 'An http:// or https:// URL.',
};

const hasMessages = (error: ApiError | undefined, path: string): boolean => (error?.messagesFor(path).length ?? 0) > 0;

/** The ids an input is described by: its hint and, when the API named it, its error. */
function describedBy(props: FieldProps, hint: string | undefined): string | undefined {
  const ids = [
    ...(hint ? [`${props.id}-hint`] : []),
    ...(hasMessages(props.error, props.path) ? [fieldErrorId(props.id)] : []),
  ];
  return ids.length > 0 ? ids.join(' ') : undefined;
}

function hintOf(model: FieldModel): string | undefined {
  const format = model.kind === 'text' && model.format ? FORMAT_HINTS[model.format] : undefined;
  return [model.description, format].filter(Boolean).join(' ') || undefined;
}

function Hint({ id, hint }: { id: string; hint: string | undefined }) {
  return hint ? (
    <span class="hint" id={`${id}-hint`}>
      {hint}
    </span>
  ) : null;
}

function Label({ id, label, required }: { id: string; label: string; required: boolean }) {
  return (
    <label for={id} class={required ? 'required' : undefined}>
      {label}
    </label>
  );
}

/** The legend of a group; a required one gets the same star as a required input's label. */
function Legend({ label, required }: { label: string; required: boolean }) {
  return <legend class={required ? 'required' : undefined}>{label}</legend>;
}

export function Field(props: FieldProps) {
  switch (props.model.kind) {
    case 'text':
    case 'number':
    case 'json':
      return <TextField {...props} />;
    case 'boolean':
      return <CheckboxField {...props} />;
    case 'object':
      return <ObjectField {...props} />;
    case 'list':
      return <ListField {...props} />;
    case 'multi':
      return <MultiField {...props} />;
    case 'map':
      return <MapField {...props} />;
    case 'choice':
      return <ChoiceField {...props} />;
    case 'const':
    case 'actions':
      // Nothing to type: a fixed value, or nested actions the board edits.
      return null;
  }
}

function TextField(props: FieldProps) {
  const { model, draft, id, label, required, onChange } = props;
  const text = draft.kind === 'text' || draft.kind === 'json' ? draft.text : '';
  const set = (value: string) =>
    onChange(model.kind === 'json' ? { kind: 'json', text: value } : { kind: 'text', text: value });
  const hint =
    hintOf(model) ?? (model.kind === 'json' ? 'Any JSON value: an object, a list, a string in quotes…' : undefined);
  const common = {
    id,
    required,
    'aria-invalid': hasMessages(props.error, props.path) || undefined,
    'aria-describedby': describedBy(props, hint),
  };
  let control;
  if (model.kind === 'text' && model.options) {
    control = (
      <select {...common} value={text} onChange={(event) => set(event.currentTarget.value)}>
        {(!required || !model.options.includes(text)) && <option value="">{required ? 'Choose…' : 'Not set'}</option>}
        {model.options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    );
  } else if (model.kind === 'json' || (model.kind === 'text' && model.multiline)) {
    control = (
      <textarea
        {...common}
        rows={model.kind === 'json' ? 5 : 4}
        spellcheck={model.kind !== 'json'}
        value={text}
        onInput={(event) => set(event.currentTarget.value)}
      />
    );
  } else {
    control = (
      <input
        {...common}
        type="text"
        inputMode={inputModeOf(model)}
        value={text}
        onInput={(event) => set(event.currentTarget.value)}
      />
    );
  }
  return (
    <div class="field">
      <Label id={id} label={label} required={required} />
      {control}
      <Hint id={id} hint={hint} />
      <FieldError error={props.error} path={props.path} id={id} />
    </div>
  );
}

/** Plain text inputs, with the phone keyboard that fits: the API, not the browser, judges what is typed. */
function inputModeOf(model: FieldModel): 'text' | 'decimal' | 'numeric' | 'email' | 'url' {
  if (model.kind === 'number') return model.integer ? 'numeric' : 'decimal';
  if (model.kind === 'text' && model.format === 'email') return 'email';
  if (model.kind === 'text' && model.format === 'uri') return 'url';
  return 'text';
}

function CheckboxField(props: FieldProps) {
  const { draft, id, label, onChange } = props;
  const hint = hintOf(props.model);
  return (
    <div class="field field-check">
      <input
        id={id}
        type="checkbox"
        checked={draft.kind === 'boolean' && draft.checked}
        aria-describedby={describedBy(props, hint)}
        onChange={(event) => onChange({ kind: 'boolean', checked: event.currentTarget.checked })}
      />
      <label for={id}>{label}</label>
      <Hint id={id} hint={hint} />
      <FieldError error={props.error} path={props.path} id={id} />
    </div>
  );
}

function ObjectField(props: FieldProps) {
  const { model, draft, id, path, error, onChange } = props;
  if (model.kind !== 'object' || draft.kind !== 'object') return null;
  const fields = model.properties.map((property) => {
    const field = draft.fields[property.name] ?? draftFrom(property.model, undefined, property.required);
    return (
      <Field
        key={property.name}
        model={property.model}
        draft={field}
        onChange={(changed) => onChange({ kind: 'object', fields: { ...draft.fields, [property.name]: changed } })}
        path={`${path}.${property.name}`}
        id={`${id}-${property.name}`}
        label={property.label}
        required={property.required}
        error={error}
      />
    );
  });
  const hint = hintOf(model);
  if (props.bare) {
    return (
      <div class="field-group-bare" id={id}>
        <FieldError error={error} path={path} id={id} />
        {fields}
      </div>
    );
  }
  return (
    <fieldset class="field-group" id={id} aria-describedby={describedBy(props, hint)}>
      <Legend label={props.label} required={props.required} />
      <Hint id={id} hint={hint} />
      <FieldError error={error} path={path} id={id} />
      {fields}
    </fieldset>
  );
}

function ListField(props: FieldProps) {
  const { model, draft, id, path, error, onChange } = props;
  if (model.kind !== 'list' || draft.kind !== 'list') return null;
  const setItems = (items: Draft[]) => onChange({ kind: 'list', items });
  const hint = hintOf(model);
  const itemName = model.itemLabel.toLowerCase();
  return (
    <fieldset class="field-group" id={id} aria-describedby={describedBy(props, hint)}>
      <Legend label={props.label} required={props.required} />
      <Hint id={id} hint={hint} />
      <FieldError error={error} path={path} id={id} />
      {draft.items.map((item, index) => (
        <div class="list-item" key={index}>
          <Field
            model={model.item}
            draft={item}
            onChange={(changed) => setItems(draft.items.map((other, at) => (at === index ? changed : other)))}
            path={`${path}[${index}]`}
            id={`${id}-${index}`}
            label={`${model.itemLabel} ${index + 1}`}
            required={false}
            error={error}
          />
          <button
            type="button"
            class="list-remove"
            aria-label={`Remove ${itemName} ${index + 1}`}
            onClick={() => setItems(draft.items.filter((_, at) => at !== index))}
          >
            Remove
          </button>
        </div>
      ))}
      <button type="button" onClick={() => setItems([...draft.items, draftFrom(model.item, undefined)])}>
        Add {itemName}
      </button>
    </fieldset>
  );
}

function MultiField(props: FieldProps) {
  const { model, draft, id, path, error, onChange } = props;
  if (model.kind !== 'multi' || draft.kind !== 'multi') return null;
  const hint = hintOf(model);
  return (
    <fieldset class="field-group field-multi" id={id} aria-describedby={describedBy(props, hint)}>
      <Legend label={props.label} required={props.required} />
      <Hint id={id} hint={hint} />
      <div class="multi-options">
        {model.options.map((option) => (
          <span class="field-check" key={option}>
            <input
              id={`${id}-${option}`}
              type="checkbox"
              checked={draft.selected.includes(option)}
              onChange={(event) =>
                onChange({
                  kind: 'multi',
                  selected: event.currentTarget.checked
                    ? [...draft.selected, option]
                    : draft.selected.filter((selected) => selected !== option),
                })
              }
            />
            <label for={`${id}-${option}`}>{option}</label>
          </span>
        ))}
      </div>
      <FieldError error={error} path={path} id={id} />
    </fieldset>
  );
}

function MapField(props: FieldProps) {
  const { model, draft, id, path, error, onChange } = props;
  if (model.kind !== 'map' || draft.kind !== 'map') return null;
  const setEntries = (entries: { key: string; value: Draft }[]) => onChange({ kind: 'map', entries });
  const hint = hintOf(model);
  const entryName = model.entryLabel.toLowerCase();
  return (
    <fieldset class="field-group" id={id} aria-describedby={describedBy(props, hint)}>
      <Legend label={props.label} required={props.required} />
      <Hint id={id} hint={hint} />
      <FieldError error={error} path={path} id={id} />
      {draft.entries.map((entry, index) => {
        const entryId = `${id}-${index}`;
        const entryLabel = `${model.entryLabel} ${index + 1}`;
        const update = (changed: { key: string; value: Draft }) =>
          setEntries(draft.entries.map((other, at) => (at === index ? changed : other)));
        return (
          <div class="list-item map-entry" key={index}>
            <div class="field">
              <label for={`${entryId}-name`}>{entryLabel} name</label>
              <input
                id={`${entryId}-name`}
                type="text"
                value={entry.key}
                onInput={(event) => update({ ...entry, key: event.currentTarget.value })}
              />
            </div>
            <Field
              model={model.value}
              draft={entry.value}
              onChange={(value) => update({ ...entry, value })}
              path={`${path}.${entry.key}`}
              id={`${entryId}-value`}
              label={`${entryLabel} value`}
              required={false}
              error={entry.key === '' ? undefined : error}
            />
            <button
              type="button"
              class="list-remove"
              aria-label={`Remove ${entryName} ${index + 1}`}
              onClick={() => setEntries(draft.entries.filter((_, at) => at !== index))}
            >
              Remove
            </button>
          </div>
        );
      })}
      <button
        type="button"
        onClick={() => setEntries([...draft.entries, { key: '', value: draftFrom(model.value, undefined) }])}
      >
        Add {entryName}
      </button>
    </fieldset>
  );
}

/** Alternatives that are a value to type (not a fixed value or a group of fields) get their own labelled input. */
const typedVariant = (model: FieldModel): boolean => model.kind !== 'const' && model.kind !== 'object';

function ChoiceField(props: FieldProps) {
  const { model, draft, id, path, label, required, error, onChange } = props;
  if (model.kind !== 'choice' || draft.kind !== 'choice') return null;
  const chosen = draft.variant === null ? undefined : model.variants[draft.variant];
  const chosenDraft = draft.variant === null ? undefined : draft.drafts[draft.variant];
  const typed = model.variants.some((variant) => typedVariant(variant.model));
  // The chosen alternative's own field shows the messages for this path, unless it is a fixed value.
  const selectShowsError = !chosen || chosen.model.kind === 'const';
  const hint = hintOf(model);
  const selectProps: FieldProps = selectShowsError ? props : { ...props, error: undefined };
  return (
    <div class="field-choice">
      <div class="field">
        <Label id={id} label={typed ? `${label} type` : label} required={required} />
        <select
          id={id}
          required={required}
          aria-describedby={describedBy(selectProps, hint)}
          value={draft.variant === null ? '' : String(draft.variant)}
          onChange={(event) => {
            const value = event.currentTarget.value;
            onChange({ ...draft, variant: value === '' ? null : Number(value) });
          }}
        >
          {!required && <option value="">Not set</option>}
          {model.variants.map((variant, index) => (
            <option key={index} value={String(index)}>
              {variant.label}
            </option>
          ))}
        </select>
        <Hint id={id} hint={hint} />
        {selectShowsError && <FieldError error={error} path={path} id={id} />}
      </div>
      {chosen && chosenDraft && (
        <Field
          model={chosen.model}
          draft={chosenDraft}
          onChange={(changed) =>
            onChange({
              ...draft,
              drafts: draft.drafts.map((other, index) => (index === draft.variant ? changed : other)),
            })
          }
          path={path}
          id={`${id}-value`}
          label={label}
          required={required}
          error={error}
          bare
        />
      )}
    </div>
  );
}
