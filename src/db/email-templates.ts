import { bySeq, type Page, type PageRequest, toPage } from './page';
import type { Queryable } from './pool';

export interface EmailTemplate {
  id: string;
  name: string;
  subject: string;
  body: string;
  transactional: boolean;
  builtin: boolean;
}

const COLUMNS = 'id, name, subject, body, transactional, builtin';

export async function listEmailTemplates(db: Queryable, page: PageRequest): Promise<Page<EmailTemplate>> {
  const { rows } = await db.query<EmailTemplate & { seq: string }>(
    `SELECT ${COLUMNS}, seq FROM email_templates WHERE ($1::bigint IS NULL OR seq > $1) ORDER BY seq LIMIT $2`,
    [page.after ?? null, page.limit + 1],
  );
  return toPage(rows, page, bySeq, ({ seq: _seq, ...template }) => template);
}

export async function getEmailTemplate(db: Queryable, id: string): Promise<EmailTemplate | undefined> {
  const { rows } = await db.query<EmailTemplate>(`SELECT ${COLUMNS} FROM email_templates WHERE id = $1`, [id]);
  return rows[0];
}

/** Inserts a custom template; returns undefined when the id is taken. */
export async function insertEmailTemplate(
  db: Queryable,
  template: Omit<EmailTemplate, 'builtin'>,
): Promise<EmailTemplate | undefined> {
  const { rows } = await db.query<EmailTemplate>(
    `INSERT INTO email_templates (id, name, subject, body, transactional) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO NOTHING RETURNING ${COLUMNS}`,
    [template.id, template.name, template.subject, template.body, template.transactional],
  );
  return rows[0];
}

export async function updateEmailTemplate(
  db: Queryable,
  id: string,
  change: { name?: string; subject: string; body: string },
): Promise<EmailTemplate | undefined> {
  const { rows } = await db.query<EmailTemplate>(
    `UPDATE email_templates SET name = coalesce($2, name), subject = $3, body = $4, updated_at = now()
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, change.name ?? null, change.subject, change.body],
  );
  return rows[0];
}

export async function deleteEmailTemplate(db: Queryable, id: string): Promise<void> {
  await db.query('DELETE FROM email_templates WHERE id = $1', [id]);
}

/** Ids of the workflows whose actions (nested ones included) send this custom template. */
export async function workflowsUsingTemplate(db: Queryable, templateId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM workflows WHERE jsonb_path_exists(actions, '$.** ? (@.customEmailId == $id)', jsonb_build_object('id', $1::text))
     ORDER BY id`,
    [templateId],
  );
  return rows.map((row) => row.id);
}

/** Ids of every template, for definition checks. */
export async function emailTemplateIds(db: Queryable): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM email_templates');
  return new Set(rows.map((row) => row.id));
}
