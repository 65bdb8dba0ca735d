import { migrate } from '../../src/db/migrate';
import type { Pool } from '../../src/db/pool';
import { databaseBefore } from '../support/stack';

/**
 * Migration 005 gives stored `ticket_email` workflows the new `reenroll` default, except where a revision shows that
 * someone set it. Run on a database left at migration 004 with workflows written the way 0.1.0 before it stored them.
 */
describe('migration 005 (every email counts)', () => {
  let pool: Pool;
  beforeAll(async () => {
    pool = await databaseBefore('005');
  });
  afterAll(async () => {
    await pool.end();
  });

  it('turns re-enrollment on for ticket_email workflows that never set it, with a revision, and leaves the rest', async () => {
    await pool.query(`INSERT INTO pipelines (id, object_type, label, stages) VALUES ('support', 'ticket', 'Support',
      '[{"id": "new", "label": "New", "state": "open"}]')`);
    const insert = (id: string, trigger: object) =>
      pool.query(
        `INSERT INTO workflows (id, pipeline_id, name, trigger, enrollment, settings)
         VALUES ($1, 'support', $1, $2, '{"reenroll": false}', '{"unenrollOnStageExit": true}')`,
        [id, JSON.stringify(trigger)],
      );
    await insert('defaulted', { type: 'ticket_email', on: 'customer_replied' });
    await insert('chosen', { type: 'ticket_email', on: 'email_sent_to_customer' });
    await insert('stage', { type: 'stage_entered', stageId: 'new' });
    await pool.query(`INSERT INTO workflow_revisions (workflow_id, version, by, change) VALUES
      ('defaulted', 1, 'ann', '{"type": "created"}'), ('chosen', 1, 'ann', '{"type": "created"}'),
      ('chosen', 2, 'ann', '{"type": "updated", "enrollment": {"reenroll": false}}'), ('stage', 1, 'ann', '{"type": "created"}')`);
    await pool.query(`UPDATE workflows SET version = 2 WHERE id = 'chosen'`);

    expect(await migrate(pool)).toContain('005_ticket_status_automations.sql');

    const { rows } = await pool.query<{ id: string; reenroll: boolean; version: number }>(
      `SELECT id, (enrollment->>'reenroll')::boolean AS reenroll, version FROM workflows ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: 'chosen', reenroll: false, version: 2 },
      { id: 'defaulted', reenroll: true, version: 2 },
      { id: 'stage', reenroll: false, version: 1 },
    ]);
    const revision = await pool.query(
      `SELECT by, change FROM workflow_revisions WHERE workflow_id = 'defaulted' AND version = 2`,
    );
    expect(revision.rows).toEqual([
      { by: 'migration 005', change: expect.objectContaining({ type: 'updated', enrollment: { reenroll: true } }) },
    ]);
  });
});
