import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { TimelineItem } from '../../../src/domain/timeline';
import { ApiError, apiPath } from '../api';
import { useApp } from '../session';

/** Lines the page opens with, and how many more "Older" reads. */
export const TIMELINE_PAGE = 50;
/** Lines one poll reads at most per request while catching up with what came in. */
const CATCH_UP_PAGE = 200;
const POLL_MS = 2_000;

type Page = { items: TimelineItem[]; nextCursor?: string };

/** Newer first: line ids are digits of growing length and value. */
const newer = (a: string, b: string): boolean => a.length > b.length || (a.length === b.length && a > b);

export interface TimelineState {
  /** The lines read so far, newest first; undefined until the first read. */
  lines?: TimelineItem[];
  /** The newest line's id when the page opened: lines newer than it came in while it was open. */
  openedAt?: string;
  error?: ApiError;
  /** Lines older than the oldest read exist. */
  hasOlder: boolean;
  loadOlder: () => Promise<void>;
}

/**
 * A record's timeline, newest first (`?order=desc`), from its newest lines back as far as the reader asks. Every 2 s
 * it reads what came in above the newest line it has, following the cursor until it meets that line, so a burst of
 * lines is never skipped; older lines are read only on demand, so a timeline of any length opens with one request.
 */
export function useTimeline(recordId: string): TimelineState {
  const { api } = useApp();
  const [lines, setLines] = useState<TimelineItem[]>();
  const [error, setError] = useState<ApiError>();
  const older = useRef<string | undefined>(undefined);
  const openedAt = useRef<string | undefined>(undefined);
  const busy = useRef(false);

  const read = useCallback(
    (limit: number, cursor?: string) =>
      api.get<Page>(
        `${apiPath`/api/records/${recordId}/timeline`}?${new URLSearchParams({
          order: 'desc',
          limit: String(limit),
          ...(cursor && { cursor }),
        }).toString()}`,
      ),
    [api, recordId],
  );

  const poll = useCallback(
    async (known: TimelineItem[] | undefined) => {
      if (busy.current) return;
      busy.current = true;
      try {
        if (!known) {
          const first = await read(TIMELINE_PAGE);
          older.current = first.nextCursor;
          openedAt.current = first.items[0]?.id ?? '0';
          setLines(first.items);
        } else {
          const newest = known[0]?.id ?? '0';
          const arrived: TimelineItem[] = [];
          let cursor: string | undefined;
          for (;;) {
            const page = await read(CATCH_UP_PAGE, cursor);
            const fresh = page.items.filter((item) => newer(item.id, newest));
            arrived.push(...fresh);
            if (fresh.length < page.items.length || !page.nextCursor) break;
            cursor = page.nextCursor;
          }
          if (arrived.length > 0) setLines((current) => [...arrived, ...(current ?? [])]);
        }
        setError(undefined);
      } catch (caught) {
        setError(
          caught instanceof ApiError ? caught : new ApiError({ title: 'Error', status: 0, detail: String(caught) }),
        );
      } finally {
        busy.current = false;
      }
    },
    [read],
  );

  const linesRef = useRef(lines);
  linesRef.current = lines;
  useEffect(() => {
    void poll(undefined);
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible' && linesRef.current) void poll(linesRef.current);
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [poll]);

  const loadOlder = useCallback(async () => {
    if (!older.current) return;
    try {
      const page = await read(TIMELINE_PAGE, older.current);
      older.current = page.nextCursor;
      setLines((current) => [...(current ?? []), ...page.items]);
    } catch (caught) {
      if (caught instanceof ApiError) setError(caught);
    }
  }, [read]);

  return { lines, openedAt: openedAt.current, error, hasOlder: older.current !== undefined, loadOlder };
}

/** True when `line` came in after the page opened. */
export const arrivedSince = (line: TimelineItem, openedAt: string | undefined): boolean =>
  openedAt !== undefined && newer(line.id, openedAt);
