import { z } from 'zod';
import type { Definition, Workflow } from './workflow';

/**
 * Revisions: every change of a workflow bumps its version and keeps, with who made it and what it was, the whole
 * workflow as the change left it. A revision can be read back and restored: its definition becomes the current one
 * as a new version.
 */

/**
 * A workflow as one revision left it: what `GET /api/workflows/:id` answered then, without the timestamps (the
 * revision's `at` is when it took this form) and without progress reports that are not part of the definition.
 */
export type WorkflowSnapshot = Pick<
  Workflow,
  'id' | 'pipelineId' | 'name' | 'enabled' | 'trigger' | 'enrollment' | 'settings' | 'actions' | 'templated' | 'version'
>;

/** One change of a workflow, as `GET /api/workflows/:id/revisions` lists it. */
export interface Revision {
  version: number;
  at: string;
  by: string;
  change: Record<string, unknown>;
}

/**
 * A revision with the workflow as it left it; `workflow` is null for a revision made before revisions kept the
 * definition (migration 010), other than each workflow's latest one then.
 */
export interface RevisionWithSnapshot extends Revision {
  workflow: WorkflowSnapshot | null;
}

/** The snapshot a revision keeps of `workflow`. */
export function snapshotOf(workflow: Workflow): WorkflowSnapshot {
  const { id, pipelineId, name, enabled, trigger, enrollment, settings, actions, templated, version } = workflow;
  return { id, pipelineId, name, enabled, trigger, enrollment, settings, actions, templated, version };
}

/**
 * What restoring a revision puts back: its name, trigger, enrollment rules, settings and actions (comments included).
 * The switch, the pipeline and whether the workflow is templated stay as they are now.
 */
export function restoredDefinition(snapshot: WorkflowSnapshot): Definition {
  const { name, trigger, enrollment, settings, actions } = snapshot;
  return { name, trigger, enrollment, settings, actions };
}

/** The `:version` of a revision route: a positive whole number that fits a stored version. */
export const RevisionVersionSchema = z
  .string()
  .regex(/^[1-9]\d{0,8}$/, 'a version is a positive whole number, e.g. 3')
  .transform(Number)
  .describe('the version of the workflow the revision made');

export const RevisionParamsSchema = z.object({ version: RevisionVersionSchema });
