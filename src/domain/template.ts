/** The parts of a record that text fields may refer to. */
export interface TemplateRecord {
  id: string;
  stageId: string;
  properties: Record<string, unknown>;
}

const PLACEHOLDER = /\{\{\s*record\.(id|stageId|properties\.([A-Za-z0-9_.-]+))\s*\}\}/g;

/**
 * Fills `{{record.id}}`, `{{record.stageId}}` and `{{record.properties.<name>}}` in `text`.
 * A property that is not set renders as an empty string; objects render as JSON. Only the record's own
 * properties count: `{{record.properties.constructor}}` is not set, whatever objects inherit.
 */
export function renderTemplate(text: string, record: TemplateRecord): string {
  return text.replace(PLACEHOLDER, (_match, field: string, property: string | undefined) => {
    const value =
      property === undefined
        ? record[field as 'id' | 'stageId']
        : Object.hasOwn(record.properties, property)
          ? record.properties[property]
          : undefined;
    if (value === undefined || value === null) return '';
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}
