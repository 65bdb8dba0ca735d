import { bySeq, type Page, type PageRequest, toPage } from './page';
import type { Task } from '../domain/tasks';
import type { Queryable } from './pool';

interface TaskRow {
  id: string;
  record_id: string;
  workflow_id: string | null;
  action_id: string | null;
  title: string;
  body: string;
  due_at: Date | null;
  assignee: string | null;
  created_at: Date;
}

export interface NewTask extends Omit<Task, 'createdAt'> {
  key: string;
  enrollmentId: string;
}

export async function insertTask(db: Queryable, task: NewTask): Promise<void> {
  await db.query(
    `INSERT INTO tasks (id, key, record_id, workflow_id, enrollment_id, action_id, title, body, due_at, assignee)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      task.id,
      task.key,
      task.recordId,
      task.workflowId,
      task.enrollmentId,
      task.actionId,
      task.title,
      task.body,
      task.dueAt,
      task.assignee,
    ],
  );
}

export async function listTasks(db: Queryable, filter: { recordId?: string }, page: PageRequest): Promise<Page<Task>> {
  const { rows } = await db.query<TaskRow & { seq: string }>(
    `SELECT * FROM tasks WHERE ($1::text IS NULL OR record_id = $1)
       AND ($2::bigint IS NULL OR seq > $2) ORDER BY seq LIMIT $3`,
    [filter.recordId ?? null, page.after ?? null, page.limit + 1],
  );
  return toPage(rows, page, bySeq, (row) => ({
    id: row.id,
    recordId: row.record_id,
    workflowId: row.workflow_id,
    actionId: row.action_id,
    title: row.title,
    body: row.body,
    dueAt: row.due_at?.toISOString() ?? null,
    assignee: row.assignee,
    createdAt: row.created_at.toISOString(),
  }));
}
