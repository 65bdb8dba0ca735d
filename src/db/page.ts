/** One page of a list: at most `limit` items after the cursor's position. */
export interface PageRequest {
  limit: number;
  /** The sort key of the last item of the previous page. */
  after?: number;
}

export interface Page<T> {
  items: T[];
  /** Present when more items follow: pass it back as `cursor`. */
  nextCursor?: string;
}

const PREFIX = 'p1:';

/** Cursors are opaque to clients: the sort key of the last item, base64url-encoded. */
export function encodeCursor(key: number): string {
  return Buffer.from(`${PREFIX}${key}`).toString('base64url');
}

/** The sort key in a cursor, or undefined when the text is not a cursor this API made. */
export function decodeCursor(cursor: string): number | undefined {
  const text = Buffer.from(cursor, 'base64url').toString();
  if (!text.startsWith(PREFIX)) return undefined;
  const key = Number(text.slice(PREFIX.length));
  return Number.isSafeInteger(key) && key >= 0 ? key : undefined;
}

/**
 * Turns rows fetched with `LIMIT limit + 1` in sort-key order into a page: the extra row only says that more follow.
 * `keyOf` reads a row's sort key (a bigserial arrives from pg as a string).
 */
export function toPage<Row, Item>(
  rows: Row[],
  page: PageRequest,
  keyOf: (row: Row) => string | number,
  toItem: (row: Row) => Item,
): Page<Item> {
  const items = rows.slice(0, page.limit);
  const last = items[items.length - 1];
  return {
    items: items.map(toItem),
    ...(rows.length > page.limit && last !== undefined && { nextCursor: encodeCursor(Number(keyOf(last))) }),
  };
}

/** The sort key of rows of tables with a `seq` column. */
export const bySeq = (row: { seq: string }): string => row.seq;

/** A page of a list held in memory that only grows at its end (an action's comments): the key is a position. */
export function pageOfList<Item>(list: readonly Item[], page: PageRequest): Page<Item> {
  const start = page.after ?? 0;
  const end = start + page.limit;
  return { items: list.slice(start, end), ...(end < list.length && { nextCursor: encodeCursor(end) }) };
}
