import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';

export interface Resource<T> {
  data?: T;
  error?: ApiError;
  loading: boolean;
  /** Reads again now (after a change the page made itself). */
  reload: () => Promise<void>;
}

/**
 * Reads `load()` when `key` changes and, with `pollMs`, again every `pollMs` while the page is open and visible:
 * what is live (enrollments, timelines) refreshes without a reload. Earlier data stays on screen while it reads,
 * so nothing jumps.
 */
export function useResource<T>(load: () => Promise<T>, key: string, options: { pollMs?: number } = {}): Resource<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const loadRef = useRef(load);
  loadRef.current = load;
  const generation = useRef(0);

  const reload = useCallback(async () => {
    const mine = generation.current;
    try {
      const data = await loadRef.current();
      if (mine === generation.current) setState({ data, loading: false });
    } catch (error) {
      if (mine !== generation.current) return;
      const apiError =
        error instanceof ApiError ? error : new ApiError({ title: 'Error', status: 0, detail: String(error) });
      setState((previous) => ({ data: previous.data, error: apiError, loading: false }));
    }
  }, []);

  useEffect(() => {
    generation.current += 1;
    setState({ loading: true });
    void reload();
    if (!options.pollMs) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void reload();
    }, options.pollMs);
    return () => clearInterval(timer);
  }, [key, options.pollMs, reload]);

  return { ...state, reload };
}
