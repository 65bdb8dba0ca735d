import type { Pipeline } from '../domain';
import { bySeq, type Page, type PageRequest, toPage } from './page';
import type { Queryable } from './pool';

interface PipelineRow {
  id: string;
  object_type: string;
  label: string;
  stages: Pipeline['stages'];
}

const toPipeline = (row: PipelineRow): Pipeline => ({
  id: row.id,
  objectType: row.object_type,
  label: row.label,
  stages: row.stages,
});

/** Inserts a pipeline; returns false when the id is taken. */
export async function insertPipeline(db: Queryable, pipeline: Pipeline): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO pipelines (id, object_type, label, stages) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
    [pipeline.id, pipeline.objectType, pipeline.label, JSON.stringify(pipeline.stages)],
  );
  return rowCount === 1;
}

export async function getPipeline(db: Queryable, id: string): Promise<Pipeline | undefined> {
  const { rows } = await db.query<PipelineRow>('SELECT * FROM pipelines WHERE id = $1', [id]);
  return rows[0] && toPipeline(rows[0]);
}

export async function listPipelines(db: Queryable, page: PageRequest): Promise<Page<Pipeline>> {
  const { rows } = await db.query<PipelineRow & { seq: string }>(
    'SELECT * FROM pipelines WHERE ($1::bigint IS NULL OR seq > $1) ORDER BY seq LIMIT $2',
    [page.after ?? null, page.limit + 1],
  );
  return toPage(rows, page, bySeq, toPipeline);
}
