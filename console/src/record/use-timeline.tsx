import { useRef } from 'preact/hooks';
import type { TimelineItem } from '../../../src/domain/timeline';
import { apiPath } from '../api';
import { useApp } from '../session';
import { type Resource, useResource } from '../use-resource';

/** Lines per request: the API's largest page, so a long timeline takes few requests. */
const PAGE_LIMIT = 500;
const POLL_MS = 2_000;

interface Read {
  /** Every line of the pages that were full and followed by a cursor: they never change. */
  settled: TimelineItem[];
  /** The cursor that reads the last page, which may still grow (undefined: the timeline's start). */
  tailCursor?: string;
  /** The read under way: a poll that comes while one runs shares it, so no page is appended twice. */
  reading?: Promise<TimelineItem[]>;
}

/**
 * A record's whole timeline, oldest first, kept up to date every 2 s. The API pages oldest first with a forward
 * cursor only, so the newest lines are at the end: the first read walks every page, and each poll after it reads
 * again from the start of the last page (the only one that can grow) instead of the whole timeline.
 */
export function useTimeline(recordId: string): Resource<TimelineItem[]> {
  const { api } = useApp();
  const read = useRef<Read>({ settled: [] });

  const readNewLines = async (): Promise<TimelineItem[]> => {
    const state = read.current;
    for (;;) {
      const query = new URLSearchParams({ limit: String(PAGE_LIMIT) });
      if (state.tailCursor) query.set('cursor', state.tailCursor);
      const page = await api.get<{ items: TimelineItem[]; nextCursor?: string }>(
        `${apiPath`/api/records/${recordId}/timeline`}?${query.toString()}`,
      );
      if (!page.nextCursor) return [...state.settled, ...page.items];
      state.settled.push(...page.items);
      state.tailCursor = page.nextCursor;
    }
  };

  return useResource(
    () => {
      const state = read.current;
      state.reading ??= readNewLines().finally(() => {
        state.reading = undefined;
      });
      return state.reading;
    },
    recordId,
    { pollMs: POLL_MS },
  );
}
