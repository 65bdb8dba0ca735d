import type { Contact, CrmRecord } from '../domain';
import type { Queryable } from './pool';

interface RecordRow {
  id: string;
  object_type: string;
  pipeline_id: string;
  stage_id: string;
  properties: Record<string, unknown>;
  source: string | null;
  owner_id: string | null;
  contacts: Contact[];
  version: number;
  created_at: Date;
  updated_at: Date;
}

const toRecord = (row: RecordRow): CrmRecord => ({
  id: row.id,
  objectType: row.object_type,
  pipelineId: row.pipeline_id,
  stageId: row.stage_id,
  properties: row.properties,
  source: row.source,
  ownerId: row.owner_id,
  contacts: row.contacts,
  version: row.version,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

export type NewRecord = Omit<CrmRecord, 'version' | 'createdAt' | 'updatedAt'>;

/** Inserts a record; returns undefined when the id is taken. */
export async function insertRecord(db: Queryable, record: NewRecord): Promise<CrmRecord | undefined> {
  const { rows } = await db.query<RecordRow>(
    `INSERT INTO records (id, object_type, pipeline_id, stage_id, properties, source, owner_id, contacts)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (id) DO NOTHING RETURNING *`,
    [
      record.id,
      record.objectType,
      record.pipelineId,
      record.stageId,
      JSON.stringify(record.properties),
      record.source,
      record.ownerId,
      JSON.stringify(record.contacts),
    ],
  );
  return rows[0] && toRecord(rows[0]);
}

/** Reads a record; `forUpdate` locks its row until the surrounding transaction ends. */
export async function getRecord(db: Queryable, id: string, forUpdate = false): Promise<CrmRecord | undefined> {
  const { rows } = await db.query<RecordRow>(`SELECT * FROM records WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [
    id,
  ]);
  return rows[0] && toRecord(rows[0]);
}

/** Reads several records at once, by id. */
export async function listRecordsById(db: Queryable, ids: string[]): Promise<Map<string, CrmRecord>> {
  const { rows } = await db.query<RecordRow>('SELECT * FROM records WHERE id = ANY($1::text[])', [ids]);
  return new Map(rows.map((row) => [row.id, toRecord(row)]));
}

/** Writes a new stage and property set and bumps the version. */
export async function updateRecord(
  db: Queryable,
  id: string,
  change: { stageId: string; properties: Record<string, unknown> },
): Promise<CrmRecord> {
  const { rows } = await db.query<RecordRow>(
    `UPDATE records SET stage_id = $2, properties = $3, version = version + 1, updated_at = now()
     WHERE id = $1 RETURNING *`,
    [id, change.stageId, JSON.stringify(change.properties)],
  );
  if (!rows[0]) throw new Error(`record ${id} vanished during update`);
  return toRecord(rows[0]);
}

/** Applies a property patch: keys set to `null` are removed, others replace their value. */
export function mergeProperties(
  current: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const merged = { ...current };
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete merged[name];
    else merged[name] = value;
  }
  return merged;
}
