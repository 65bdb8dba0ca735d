import { eventually, startTestStack, type TestStack } from '../support/stack';

/** The relay is woken by NOTIFY on a connection of its own; PostgreSQL restarting must not leave it polling only. */
describe('the relay’s LISTEN connection', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ worker: false });
  });
  afterAll(async () => {
    await stack.stop();
  });

  /** The backend LISTENing for the relay, if there is one. */
  const listening = async () => {
    const { rows } = await stack.pool.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'`,
    );
    expect(rows.length).toBeLessThanOrEqual(1);
    return rows[0]?.pid;
  };

  it('is made again after PostgreSQL drops it', async () => {
    const first = await eventually(listening, 10_000, 'the relay to LISTEN');
    await stack.pool.query('SELECT pg_terminate_backend($1)', [first]);
    const second = await eventually(
      async () => {
        const pid = await listening();
        return pid !== first ? pid : undefined;
      },
      10_000,
      'a new LISTEN connection',
    );
    expect(second).toEqual(expect.any(Number));
  });
});
