import { migrate } from '../../src/db/migrate';
import type { Pool } from '../../src/db/pool';
import { databaseBefore } from '../support/stack';
import { getRevision, getWorkflow } from '../../src/db/workflows';
import { snapshotOf } from '../../src/domain/revisions';

/**
 * Migration 010 gives revisions their snapshot. Before it a revision kept only what changed, so only the latest
 * revision of each workflow (exactly its current row) can get one; run on a database left at migration 009.
 */
describe('migration 010 (revision snapshots)', () => {
  let pool: Pool;
  beforeAll(async () => {
    pool = await databaseBefore('010');
  });
  afterAll(async () => {
    await pool.end();
  });

  it("gives each workflow's latest revision its current definition and leaves the older ones without", async () => {
    await pool.query(`INSERT INTO pipelines (id, object_type, label, stages) VALUES ('deals', 'deal', 'Deals',
      '[{"id": "new", "label": "New", "state": "open"}]')`);
    await pool.query(`INSERT INTO workflows (id, pipeline_id, name, enabled, trigger, enrollment, settings, actions, version)
      VALUES ('edited', 'deals', 'Edited', true, '{"type": "stage_entered", "stageId": "new"}', '{"reenroll": false}',
        '{"unenrollOnStageExit": true, "shards": 1}',
        '[{"id": "call", "type": "create_task", "config": {"title": "Call"}, "comments": []}]', 3),
      ('fresh', 'deals', 'Fresh', false, '{"type": "stage_entered", "stageId": "new"}', '{"reenroll": true}',
        '{"unenrollOnStageExit": false, "shards": 2}', '[]', 1)`);
    await pool.query(`INSERT INTO workflow_revisions (workflow_id, version, by, change) VALUES
      ('edited', 1, 'ann', '{"type": "created"}'), ('edited', 2, 'ann', '{"type": "action_added", "actionId": "call"}'),
      ('edited', 3, 'bob', '{"type": "enabled"}'), ('fresh', 1, 'ann', '{"type": "created"}')`);

    expect(await migrate(pool)).toContain('010_revision_snapshots.sql');

    for (const id of ['edited', 'fresh']) {
      const workflow = (await getWorkflow(pool, id))!;
      expect((await getRevision(pool, id, workflow.version))?.workflow).toEqual(snapshotOf(workflow));
    }
    expect(await getRevision(pool, 'edited', 1)).toMatchObject({
      by: 'ann',
      change: { type: 'created' },
      workflow: null,
    });
    expect(await getRevision(pool, 'edited', 2)).toMatchObject({ workflow: null });
  });
});
