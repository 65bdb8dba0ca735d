import type { ApiError } from '../api';
import { FieldError } from '../components/problem';

export interface PropertyRow {
  name: string;
  value: string;
}

/**
 * A value typed into the console, as JSON would have it: `12` is a number, `true` a boolean, `"12"` (quoted) and
 * anything else a string. The API compares and stores properties by their JSON type.
 */
export function parsePropertyValue(text: string): unknown {
  const trimmed = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(trimmed) || trimmed === 'true' || trimmed === 'false' || /^".*"$/.test(trimmed)) {
    return JSON.parse(trimmed) as unknown;
  }
  return text;
}

/** The rows with a name, as a properties object. */
export function propertiesOf(rows: PropertyRow[]): Record<string, unknown> {
  return Object.fromEntries(
    rows.filter((row) => row.name.trim()).map((row) => [row.name.trim(), parsePropertyValue(row.value)]),
  );
}

/** Name/value rows for a record's properties, with a row added or removed by button. */
export function PropertyRows({
  rows,
  onChange,
  error,
}: {
  rows: PropertyRow[];
  onChange: (rows: PropertyRow[]) => void;
  error?: ApiError;
}) {
  const set = (index: number, change: Partial<PropertyRow>) =>
    onChange(rows.map((row, at) => (at === index ? { ...row, ...change } : row)));
  return (
    <fieldset class="property-rows">
      <legend>Properties</legend>
      {rows.map((row, index) => (
        <div class="property-row" key={index}>
          <label>
            <span class="visually-hidden">Property {index + 1} name</span>
            <input
              placeholder="name"
              value={row.name}
              onInput={(event) => set(index, { name: event.currentTarget.value })}
            />
          </label>
          <label>
            <span class="visually-hidden">Property {index + 1} value</span>
            <input
              placeholder="value"
              value={row.value}
              onInput={(event) => set(index, { value: event.currentTarget.value })}
            />
          </label>
          <button
            type="button"
            aria-label={`Remove property ${index + 1}`}
            onClick={() => onChange(rows.filter((_, at) => at !== index))}
          >
            ×
          </button>
        </div>
      ))}
      <button type="button" onClick={() => onChange([...rows, { name: '', value: '' }])}>
        Add property
      </button>
      <FieldError error={error} path="properties" id="new-record-properties" />
    </fieldset>
  );
}
