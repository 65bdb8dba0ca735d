import { Progress } from './progress';

/**
 * Runs `task` once per item with at most `concurrency` in flight (a closed loop: a new request starts when one ends),
 * and returns the results in item order.
 */
export async function closedLoop<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    for (let index = next++; index < items.length; index = next++) {
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}

/**
 * Starts `task` for each item at a fixed rate (an open loop: arrivals do not wait for earlier requests to end, as
 * with independent users), and resolves with the results once every task has ended.
 */
export async function openLoop<T, R>(
  items: readonly T[],
  perSecond: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const interval = 1000 / perSecond;
  const started = performance.now();
  const running: Promise<R>[] = [];
  for (let index = 0; index < items.length; index += 1) {
    const due = started + index * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    running.push(task(items[index]!, index));
  }
  return Promise.all(running);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `read` every `everyMs` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitUntil<T>(
  what: string,
  read: () => Promise<T | undefined>,
  options: { timeoutMs: number; everyMs?: number },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}`);
    await sleep(options.everyMs ?? 100);
  }
}

/**
 * Polls `read` every 200 ms, with a progress bar, until its `count` reaches `expected` or has not moved for
 * `stallMs`, and returns the last reading. A shortfall is what never arrived.
 */
export async function waitForCount<T extends { count: number }>(
  label: string,
  expected: number,
  read: () => Promise<T>,
  stallMs: number,
): Promise<T> {
  const progress = new Progress(label, expected);
  let last = await read();
  let movedAt = Date.now();
  for (;;) {
    progress.set(last.count);
    if (last.count >= expected || Date.now() - movedAt > stallMs) break;
    await sleep(200);
    const next = await read();
    if (next.count !== last.count) movedAt = Date.now();
    last = next;
  }
  progress.finish();
  return last;
}
