import type { Pool } from '../src/db/pool';
import { readStepDefinition, type StepDefinition } from '../src/db/workflows';

/** Definitions kept at most; the least recently read is dropped first. At 256 KiB each, at most 64 MiB. */
const CACHED_DEFINITIONS = 256;

/**
 * The worker's copy of the workflow definitions its enrollments walk, by workflow id. Each read asks PostgreSQL for
 * the current version and fetches the actions only when that version is not the one cached, so a step of an
 * unchanged workflow reads a few bytes instead of its whole definition.
 */
export function createDefinitionCache(pool: Pool) {
  const cache = new Map<string, StepDefinition>();
  return {
    /** The workflow's current definition; undefined when it was deleted. */
    async current(workflowId: string): Promise<StepDefinition | undefined> {
      const cached = cache.get(workflowId);
      const read = await readStepDefinition(pool, workflowId, cached?.version);
      cache.delete(workflowId);
      if (!read) return undefined;
      const definition = read.actions ? { ...read, actions: read.actions } : cached!;
      if (cache.size >= CACHED_DEFINITIONS) cache.delete(cache.keys().next().value!);
      cache.set(workflowId, definition);
      return definition;
    },
  };
}
