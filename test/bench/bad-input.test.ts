import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import { fingerprintDatabase, openChangeWindow, runBadInput } from '../../bench/chaos/bad-input';
import { ADMIN_TOKEN } from '../support/env';
import { DEFAULT_API_SETTINGS, startTestStack, type TestStack, unique } from '../support/stack';

/**
 * The bad-input run of the chaos suite (bench/chaos/bad-input.ts) at CI size, on the whole stack (API, relay,
 * worker), and the checks its "no change" verdicts rest on.
 */
describe('bad input at scale', () => {
  let stack: TestStack;

  beforeAll(async () => {
    // Thousands of requests without a valid token from one address: the rate limits would answer most of them.
    stack = await startTestStack({
      apiSettings: { ...DEFAULT_API_SETTINGS, rateLimits: { perToken: 0, authFailures: 0 } },
    });
  });
  afterAll(async () => {
    await stack.stop();
  });

  const insertPipeline = (db: Pick<Pool, 'query'>, id: string) =>
    db.query(`INSERT INTO pipelines (id, object_type, label, stages) VALUES ($1, 'deal', 'Direct', '[]')`, [id]);

  it('fingerprints the content of every table: a row written directly changes it', async () => {
    const before = await fingerprintDatabase(stack.pool);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['pipelines', 'records', 'workflows', 'outbox']));
    const id = unique('direct');
    await insertPipeline(stack.pool, id);
    const afterInsert = await fingerprintDatabase(stack.pool);
    expect(Object.keys(afterInsert).filter((table) => afterInsert[table] !== before[table])).toEqual(['pipelines']);
    // Same row count, one value changed.
    await stack.pool.query(`UPDATE pipelines SET label = 'Changed' WHERE id = $1`, [id]);
    const afterUpdate = await fingerprintDatabase(stack.pool);
    expect(afterUpdate.pipelines).not.toBe(afterInsert.pipelines);
    expect(afterUpdate.pipelines!.split(':')[0]).toBe(afterInsert.pipelines!.split(':')[0]);
  });

  it('sees a committed write in a change window, and not a rolled-back write, a row lock or a read', async () => {
    const transaction = async (end: 'COMMIT' | 'ROLLBACK', statements: string[]) => {
      const client = await stack.pool.connect();
      try {
        await client.query('BEGIN');
        for (const statement of statements) await client.query(statement);
        await client.query(end);
      } finally {
        client.release();
      }
    };
    const rolledBack = await openChangeWindow(stack.pool);
    await transaction('ROLLBACK', [
      `INSERT INTO pipelines (id, object_type, label, stages) VALUES ('${unique('rolled-back')}', 'deal', 'X', '[]')`,
      'SELECT * FROM records FOR UPDATE',
    ]);
    await stack.pool.query('SELECT count(*) FROM pipelines');
    expect(await rolledBack.close()).toEqual({ committed: false, tables: [], backgroundWork: false });

    // A transaction that only locked rows commits, and changes nothing.
    const locked = await openChangeWindow(stack.pool);
    await transaction('COMMIT', ['SELECT * FROM pipelines FOR UPDATE']);
    expect(await locked.close()).toEqual({ committed: true, tables: [], backgroundWork: false });

    const written = await openChangeWindow(stack.pool);
    await insertPipeline(stack.pool, unique('committed'));
    expect(await written.close()).toEqual({ committed: true, tables: ['pipelines'], backgroundWork: false });
  });

  it('answers 2,000 generated requests with no 5xx, and no rejected request changes the database', async () => {
    const result = await runBadInput({
      apiUrl: stack.api.url,
      adminToken: ADMIN_TOKEN,
      pool: stack.pool,
      count: 2_000,
      seed: 8,
      say: () => undefined,
    });
    // The examples name each offending request.
    expect({ server_errors: result.server_errors, examples: result.examples }).toEqual({
      server_errors: 0,
      examples: [],
    });
    expect(result.rejected_with_db_change).toBe(0);
    expect(result.requests).toBe(2_000);
    expect(result.rejected + result.accepted).toBe(2_000);
    expect(Object.values(result.by_status).reduce((sum, n) => sum + n, 0)).toBe(2_000);
    // Neither trivially all invalid nor all valid.
    expect(result.rejected).toBeGreaterThan(1_000);
    expect(result.accepted).toBeGreaterThan(100);
    expect(result.requests_per_s).toBeGreaterThan(0);
  }, 600_000);

  it('pins rejected requests that change the database: a proxy writes a row whenever a GET is refused with 403', async () => {
    const leaky = await startLeakyProxy(stack.api.url, async (method, status) => {
      if (method === 'GET' && status === 403) await insertPipeline(stack.pool, unique('leak'));
    });
    try {
      const result = await runBadInput({
        apiUrl: leaky.url,
        adminToken: ADMIN_TOKEN,
        pool: stack.pool,
        count: 400,
        seed: 9,
        say: () => undefined,
      });
      expect(result.requests).toBe(400);
      expect(result.by_status['403']).toBeGreaterThan(0);
      expect(result.rejected_with_db_change).toBeGreaterThan(0);
      expect(result.examples).toContainEqual(
        expect.objectContaining({ method: 'GET', status: 403, note: expect.stringMatching(/changed pipelines/) }),
      );
    } finally {
      await leaky.stop();
    }
  }, 600_000);
});

/** An HTTP proxy to `target` that runs `onAnswer` before it passes each answer on, as a buggy route would write. */
async function startLeakyProxy(
  target: string,
  onAnswer: (method: string, status: number) => Promise<void>,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        void onAnswer(req.method ?? '', answer.statusCode ?? 0).then(() => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      agent.destroy();
    },
  };
}
