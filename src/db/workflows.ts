import { randomUUID } from 'node:crypto';
import {
  type Action,
  type EnrollmentRules,
  newId,
  type Trigger,
  type Workflow,
  type WorkflowSettings,
} from '../domain';
import { type Revision, type RevisionWithSnapshot, snapshotOf, type WorkflowSnapshot } from '../domain/revisions';
import { enqueueAutomationToggle } from './outbox';
import { bySeq, type Page, type PageRequest, toPage } from './page';
import type { Queryable } from './pool';

interface WorkflowRow {
  id: string;
  pipeline_id: string;
  name: string;
  enabled: boolean;
  trigger: Trigger;
  enrollment: EnrollmentRules;
  settings: WorkflowSettings;
  actions: Action[];
  templated: boolean;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const toWorkflow = (row: WorkflowRow): Workflow => ({
  id: row.id,
  pipelineId: row.pipeline_id,
  name: row.name,
  enabled: row.enabled,
  trigger: row.trigger,
  enrollment: row.enrollment,
  settings: row.settings,
  actions: row.actions,
  templated: row.templated,
  version: row.version,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

export type NewWorkflow = Omit<Workflow, 'enabled' | 'version' | 'createdAt' | 'updatedAt'>;

/** Who made a change and what it was (`{ type, …fields }`), as its revision records it. */
export interface RevisionNote {
  by: string;
  change: Record<string, unknown>;
}

/**
 * Inserts a disabled workflow at version 1 and records revision 1 with its snapshot; returns undefined when the id is
 * taken (or, for a templated one, its pipeline has that templated automation already).
 */
export async function insertWorkflow(
  db: Queryable,
  workflow: NewWorkflow,
  revision: RevisionNote,
): Promise<Workflow | undefined> {
  const { rows } = await db.query<WorkflowRow>(
    `INSERT INTO workflows (id, pipeline_id, name, trigger, enrollment, settings, actions, templated)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING *`,
    [
      workflow.id,
      workflow.pipelineId,
      workflow.name,
      JSON.stringify(workflow.trigger),
      JSON.stringify(workflow.enrollment),
      JSON.stringify(workflow.settings),
      JSON.stringify(workflow.actions),
      workflow.templated,
    ],
  );
  const created = rows[0] && toWorkflow(rows[0]);
  if (created) await insertRevision(db, created, revision);
  return created;
}

/** Reads a workflow; `lock` holds its row until the surrounding transaction ends. */
export async function getWorkflow(
  db: Queryable,
  id: string,
  lock?: 'FOR UPDATE' | 'FOR SHARE',
): Promise<Workflow | undefined> {
  const { rows } = await db.query<WorkflowRow>(`SELECT * FROM workflows WHERE id = $1 ${lock ?? ''}`, [id]);
  return rows[0] && toWorkflow(rows[0]);
}

/** What an enrollment's steps read of a workflow. */
export interface StepDefinition {
  version: number;
  enabled: boolean;
  settings: WorkflowSettings;
  actions: Action[];
}

/**
 * A workflow's definition as its enrollments read it before each step, without its actions when its version is
 * still `knownVersion` (every change bumps the version, so the caller's copy is current); undefined when deleted.
 */
export async function readStepDefinition(
  db: Queryable,
  id: string,
  knownVersion: number | undefined,
): Promise<(Omit<StepDefinition, 'actions'> & { actions?: Action[] }) | undefined> {
  const { rows } = await db.query<Pick<WorkflowRow, 'version' | 'enabled' | 'settings'> & { actions: Action[] | null }>(
    `SELECT version, enabled, settings, CASE WHEN version IS DISTINCT FROM $2 THEN actions END AS actions
     FROM workflows WHERE id = $1`,
    [id, knownVersion ?? null],
  );
  const row = rows[0];
  return (
    row && { version: row.version, enabled: row.enabled, settings: row.settings, actions: row.actions ?? undefined }
  );
}

/** Workflows made by users; the templated ones are read through their pipeline's setting. */
export async function listWorkflows(
  db: Queryable,
  filter: { pipelineId?: string },
  page: PageRequest,
): Promise<Page<Workflow>> {
  const { rows } = await db.query<WorkflowRow & { seq: string }>(
    `SELECT * FROM workflows WHERE NOT templated AND ($1::text IS NULL OR pipeline_id = $1)
       AND ($2::bigint IS NULL OR seq > $2) ORDER BY seq LIMIT $3`,
    [filter.pipelineId ?? null, page.after ?? null, page.limit + 1],
  );
  return toPage(rows, page, bySeq, toWorkflow);
}

/** What the relay needs of a workflow to route an event to it: no actions. */
export type TriggeredWorkflow = Pick<Workflow, 'id' | 'name' | 'enabled' | 'templated' | 'settings'>;

/**
 * Workflows of a pipeline, on or off, whose trigger matches `trigger`: `{ type: 'stage_entered', stageId }` or
 * `{ type: 'ticket_email', on }`.
 */
export async function listTriggeredWorkflows(
  db: Queryable,
  pipelineId: string,
  trigger: Trigger,
): Promise<TriggeredWorkflow[]> {
  const { rows } = await db.query<TriggeredWorkflow>(
    `SELECT id, name, enabled, templated, settings FROM workflows
     WHERE pipeline_id = $1 AND trigger @> $2::jsonb ORDER BY id`,
    [pipelineId, JSON.stringify(trigger)],
  );
  return rows;
}

/** The templated workflows of a pipeline; `lock` holds their rows until the surrounding transaction ends. */
export async function listTemplatedWorkflows(
  db: Queryable,
  pipelineId: string,
  lock?: 'FOR UPDATE',
): Promise<Workflow[]> {
  const { rows } = await db.query<WorkflowRow>(
    `SELECT * FROM workflows WHERE pipeline_id = $1 AND templated ORDER BY seq ${lock ?? ''}`,
    [pipelineId],
  );
  return rows.map(toWorkflow);
}

export type WorkflowChange = Partial<
  Pick<Workflow, 'name' | 'enabled' | 'trigger' | 'enrollment' | 'settings' | 'actions'>
>;

/**
 * Applies a change, bumps the version and records the revision with who made it, what it was and the workflow as it
 * left it. A change of the switch or of the shard count also queues the toggle that makes the automation workflows
 * follow.
 */
export async function updateWorkflow(
  db: Queryable,
  id: string,
  change: WorkflowChange,
  revision: RevisionNote,
): Promise<Workflow> {
  const before = await getWorkflow(db, id, 'FOR UPDATE');
  if (!before) throw new Error(`workflow ${id} vanished during update`);
  const { rows } = await db.query<WorkflowRow>(
    `UPDATE workflows SET
       name = coalesce($2, name),
       enabled = coalesce($3, enabled),
       enrollment = coalesce($4, enrollment),
       settings = coalesce($5, settings),
       actions = coalesce($6, actions),
       trigger = coalesce($7, trigger),
       version = version + 1,
       updated_at = now()
     WHERE id = $1 RETURNING *`,
    [
      id,
      change.name ?? null,
      change.enabled ?? null,
      change.enrollment ? JSON.stringify(change.enrollment) : null,
      change.settings ? JSON.stringify(change.settings) : null,
      change.actions ? JSON.stringify(change.actions) : null,
      change.trigger ? JSON.stringify(change.trigger) : null,
    ],
  );
  const workflow = toWorkflow(rows[0]!);
  await insertRevision(db, workflow, revision);
  if (before.enabled !== workflow.enabled || before.settings.shards !== workflow.settings.shards) {
    await queueAutomationToggle(db, workflow.id, Math.max(before.settings.shards, workflow.settings.shards));
  }
  return workflow;
}

/** Deletes a workflow; its automation workflows are stopped through the outbox. */
export async function deleteWorkflow(db: Queryable, workflow: Workflow): Promise<void> {
  await db.query('DELETE FROM workflows WHERE id = $1', [workflow.id]);
  await queueAutomationToggle(db, workflow.id, workflow.settings.shards);
}

/**
 * Queues a toggle (done by `updateWorkflow` and `deleteWorkflow` when they change the switch or the shards): the relay
 * switches the workflow's automation workflows on or off again as its row says, and shards switched on look for its
 * running backfill.
 */
export function queueAutomationToggle(db: Queryable, workflowId: string, shards: number): Promise<void> {
  return enqueueAutomationToggle(db, { eventId: newId('evt', randomUUID()), workflowId, shards });
}

/** Records the revision that brought `workflow` to its version, with the workflow as it is now. */
async function insertRevision(db: Queryable, workflow: Workflow, revision: RevisionNote): Promise<void> {
  await db.query(
    'INSERT INTO workflow_revisions (workflow_id, version, by, change, workflow) VALUES ($1, $2, $3, $4, $5)',
    [workflow.id, workflow.version, revision.by, JSON.stringify(revision.change), JSON.stringify(snapshotOf(workflow))],
  );
}

type RevisionRow = Omit<Revision, 'at'> & { at: Date };

/** One revision of a workflow, with its snapshot; undefined when the workflow never had that version. */
export async function getRevision(
  db: Queryable,
  workflowId: string,
  version: number,
): Promise<RevisionWithSnapshot | undefined> {
  const { rows } = await db.query<RevisionRow & { workflow: WorkflowSnapshot | null }>(
    'SELECT version, at, by, change, workflow FROM workflow_revisions WHERE workflow_id = $1 AND version = $2',
    [workflowId, version],
  );
  const row = rows[0];
  return row && { ...row, at: row.at.toISOString() };
}

export async function listRevisions(db: Queryable, workflowId: string, page: PageRequest): Promise<Page<Revision>> {
  const { rows } = await db.query<RevisionRow>(
    `SELECT version, at, by, change FROM workflow_revisions WHERE workflow_id = $1
       AND ($2::int IS NULL OR version > $2) ORDER BY version LIMIT $3`,
    [workflowId, page.after ?? null, page.limit + 1],
  );
  return toPage(
    rows,
    page,
    (row) => row.version,
    (row) => ({ ...row, at: row.at.toISOString() }),
  );
}
