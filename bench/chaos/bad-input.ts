import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { Pool, PoolClient } from 'pg';
import { buildOpenApiDocument } from '../../src/api/openapi';
import { type Role, RoleSchema } from '../../src/domain/roles';

/**
 * Bad input at scale (issue 8): a property-based run of generated requests against every route of a running API,
 * over real HTTP, asserting that no answer is a 5xx and that no rejected (4xx) request changed the database.
 *
 * Requests. fast-check generates each request from the routes of `/openapi.json` (so a new route is covered without
 * a change here): the route, a token (every role, none, malformed, unknown), ids (real fixtures seeded through the
 * API, unknown, hostile: `..`, `%00`, SQL, 5,000 characters, emoji, broken percent-encoding), a query, the
 * `Idempotency-Key`, `If-Match` and `Content-Type`/`Content-Encoding` headers, and a body: a valid body for the route,
 * the same with one fault (a field dropped, of the wrong type, an unknown field, a huge string, a NUL or a lone
 * surrogate, a number like 1e400, a structure nested thousands deep), generic JSON, or raw bytes (truncated JSON,
 * invalid UTF-8, a BOM, UTF-16, duplicate keys, bodies over the 1 MiB limit, a gzip bomb). About one request in
 * eight is meant to be valid (right role, real ids, valid body), so accepted requests and their background work
 * (the relay, the worker) happen in the same run, as in production.
 *
 * "No change" is checked per window of requests, with PostgreSQL's own bookkeeping, exactly and cheaply:
 * 1. Before a window, a connection opens a REPEATABLE READ, READ ONLY transaction and keeps its snapshot open.
 * 2. After the window, every transaction id not visible in that snapshot and below the next one to be assigned is
 *    looked up with `pg_xact_status`. Every committed change to a table (insert, update, delete, DDL) is made by a
 *    transaction with an id that commits; a rejected request rolls back, and one that only read commits no id. So
 *    when none of these ids committed, nothing changed, and every rejected request of the window is cleared at once
 *    without fingerprinting anything: the common case. (Ids still in progress are waited for.)
 * 3. When one did commit, `fingerprintDatabase` (md5 over the rows of tables of the `public` schema) is computed in
 *    the old snapshot and now, and compared table by table. Sequences are left out on purpose: a rolled-back insert
 *    still advances one, which is PostgreSQL's doing, not a change of data.
 * Accepted requests legitimately change the database, and the relay and the worker keep writing after them; neither
 * may be counted against a rejected request. So each chunk of generated requests goes in phases:
 * - the requests meant to be valid, without windows; their rejected ones are queued for a re-check;
 * - after waiting for quiet (nothing committed for `QUIET_MS`, no event pending, no enrollment running), the rest
 *   whose method can write, in windows of `WRITE_WINDOW` (`CONCURRENCY` in flight: a window covers all of them, so
 *   concurrency does not weaken the check); then, quiet again, those with a read method (which cannot be accepted
 *   writes), in windows of `READ_WINDOW`. The rejected requests of a window in which something committed are queued
 *   for a re-check. A window with no accepted write (nor 5xx) to explain a commit also compares the tables that
 *   neither the relay nor the worker writes: if one changed, the window is a suspect;
 * - after waiting for quiet, the queue is replayed in windows; where a window still sees a commit, its requests are
 *   replayed one at a time, each in its own window compared in full, and a rejected request whose own window changed
 *   the database is counted in `rejected_with_db_change` (the culprit is pinned). Should that change be confined to
 *   tables the relay and the worker write (`BACKGROUND_TABLES`) while they had work, it must happen again on a
 *   second replay, in quiet, to count.
 * A suspect window none of whose requests is pinned counts once as an unpinned change: the check errs on the side of
 * failing. Its limit: a culprit that does not change the database again on replay, in a window whose changes are
 * confined to `BACKGROUND_TABLES`, goes uncounted.
 *
 * Every body is framed with an explicit Content-Length (or chunked): Node's client sends a body of a GET, HEAD,
 * DELETE, OPTIONS or TRACE request without one, and the server then reads the body as the next request on the
 * connection, which pairs answers with the wrong requests.
 */

export interface BadInputResult {
  requests: number;
  rejected: number;
  accepted: number;
  server_errors: number;
  rejected_with_db_change: number;
  requests_per_s: number;
  by_status: Record<string, number>;
  examples: { method: string; path: string; status: number; note: string }[];
}

export interface BadInputOptions {
  apiUrl: string;
  /** A `super_admin` token: it seeds the fixtures and creates a token of every other role. */
  adminToken: string;
  /** A pool on the API's database, for the "no change" check. */
  pool: Pool;
  count: number;
  seed?: number;
  say: (line: string) => void;
}

/**
 * Requests per change window: few where a request may be an accepted write (each one leaves the rejected requests of
 * its window to a re-check), many where none can be (read methods, sent once the database is quiet).
 */
const WRITE_WINDOW = 32;
const READ_WINDOW = 256;
/** Re-checks replay rejected requests only, which rarely commit anything. */
const RECHECK_WINDOW = 64;
/** Requests in flight at once (within a window: a window covers all of them). */
const CONCURRENCY = 32;
/** Requests generated and sent per chunk; fixtures are restored between chunks. */
const CHUNK = 10_000;
/**
 * The database counts as quiet after this long without a committed transaction, nothing pending in the outbox and
 * no unenroll job unfinished.
 */
const QUIET_MS = 200;
const QUIET_TIMEOUT_MS = 15_000;
const REQUEST_TIMEOUT_MS = 30_000;
const MAX_EXAMPLES = 20;
/** Tables the relay and the worker write in the background (besides the API). */
const BACKGROUND_TABLES: ReadonlySet<string> = new Set([
  'outbox',
  'timeline',
  'records',
  'enrollments',
  'action_runs',
  'tasks',
  'emails',
  // The relay works "unenroll everyone" jobs and backfills a page at a time, after the request that asked for them.
  'unenroll_jobs',
  'backfills',
  'backfill_shards',
]);
const ONE_MIB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------------------
// The database check

/**
 * A fingerprint of the database's content: for every table of the `public` schema, its row count and an md5 over
 * the md5 of each row's text, in sorted order (so the physical row order does not matter). Run it on a connection in
 * a REPEATABLE READ transaction to fingerprint that transaction's snapshot.
 */
export async function fingerprintDatabase(
  db: Pick<Pool | PoolClient, 'query'>,
  include: (table: string) => boolean = () => true,
): Promise<Record<string, string>> {
  const { rows: all } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
  );
  const tables = all.filter((table) => include(table.name));
  if (tables.length === 0) return {};
  const { rows } = await db.query<{ name: string; hash: string }>(
    tables
      .map(
        (_table, index) =>
          `SELECT $${index + 1}::text AS name,
                  count(*) || ':' || md5(coalesce(string_agg(h, '' ORDER BY h), '')) AS hash
           FROM (SELECT md5(t::text) AS h FROM ${quoteIdent(tables[index]!.name)} t) rows_${index}`,
      )
      .join(' UNION ALL '),
    tables.map((table) => table.name),
  );
  return Object.fromEntries(rows.map((row) => [row.name, row.hash]));
}

/** The tables whose fingerprints differ. */
function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => before[name] !== after[name]).sort();
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** What a window saw. */
export interface WindowVerdict {
  /** A transaction committed during the window; without one, nothing can have changed. */
  committed: boolean;
  /** The tables whose content changed, among those compared (none are compared when nothing committed). */
  tables: string[];
  /** The outbox grew, or an enrollment is running: the relay or the worker has work that will write. */
  backgroundWork: boolean;
}

/** A snapshot held open until `close`, which tells whether the database changed since. */
export interface ChangeWindow {
  /**
   * `compare`: which tables to fingerprint, before and now, when a transaction committed: all of them (the default),
   * those `compare` accepts, or none (the caller only needs to know that something committed).
   */
  close(options?: { compare?: 'all' | 'none' | ((table: string) => boolean) }): Promise<WindowVerdict>;
}

/**
 * Opens a change window on `pool` (see the module comment): holds one connection in a REPEATABLE READ, READ ONLY
 * transaction until `close`.
 */
export async function openChangeWindow(pool: Pool): Promise<ChangeWindow> {
  const client = await pool.connect();
  let snapshot: string;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const { rows } = await client.query<{ snapshot: string }>('SELECT pg_current_snapshot()::text AS snapshot');
    snapshot = rows[0]!.snapshot;
  } catch (error) {
    client.release(error as Error);
    throw error;
  }
  let closed = false;
  return {
    async close(options = {}) {
      if (closed) throw new Error('this change window is closed already');
      closed = true;
      try {
        if ((await committedSince(pool, snapshot)) === 0)
          return { committed: false, tables: [], backgroundWork: false };
        const backgroundWork = await hasBackgroundWork(pool, client);
        const compare = options.compare ?? 'all';
        if (compare === 'none') return { committed: true, tables: [], backgroundWork };
        const include = compare === 'all' ? undefined : compare;
        const tables = changedTables(
          await fingerprintDatabase(client, include),
          await fingerprintDatabase(pool, include),
        );
        return { committed: true, tables, backgroundWork };
      } finally {
        await client.query('COMMIT').catch(() => undefined);
        client.release();
      }
    },
  };
}

/**
 * How many transactions committed that `snapshot` does not see. Waits (a little) for ones still in progress, so a
 * transaction that answers before it commits is not missed.
 */
async function committedSince(pool: Pool, snapshot: string): Promise<number> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const { rows } = await pool.query<{ committed: number; running: number }>(
      `WITH s AS (SELECT $1::pg_snapshot AS before, pg_current_snapshot() AS now),
            ids AS (SELECT x::text::xid8 AS xid
                    FROM s, generate_series(pg_snapshot_xmin(s.before)::text::bigint,
                                            pg_snapshot_xmax(s.now)::text::bigint - 1) AS x)
       SELECT count(*) FILTER (WHERE pg_xact_status(xid) = 'committed')::int AS committed,
              count(*) FILTER (WHERE pg_xact_status(xid) = 'in progress')::int AS running
       FROM ids, s WHERE NOT pg_visible_in_snapshot(xid, s.before)`,
      [snapshot],
    );
    const { committed, running } = rows[0]!;
    if (running === 0 || Date.now() > deadline) return committed + running;
    await sleep(10);
  }
}

/**
 * The outbox grew since the window opened (`old` holds its snapshot), an enrollment started lately still runs, or an
 * unenroll job is unfinished.
 */
async function hasBackgroundWork(pool: Pool, old: PoolClient): Promise<boolean> {
  const outboxTop = 'SELECT coalesce(max(id), 0)::text AS top FROM outbox';
  const [before, now] = await Promise.all([
    old.query<{ top: string }>(outboxTop),
    pool.query<{ top: string }>(outboxTop),
  ]);
  if (before.rows[0]!.top !== now.rows[0]!.top) return true;
  const { rows } = await pool.query<{ running: number }>(
    `SELECT ((SELECT count(*) FROM enrollments WHERE status = 'running' AND started_at > now() - interval '1 minute')
             + (SELECT count(*) FROM unenroll_jobs WHERE done_at IS NULL))::int AS running`,
  );
  return rows[0]!.running > 0;
}

/**
 * Waits until nothing has committed for `QUIET_MS`, no event waits in the outbox and no enrollment started in the
 * last minute is still running; gives up (and says so) after `QUIET_TIMEOUT_MS`.
 */
async function waitForQuiet(pool: Pool, say: (line: string) => void): Promise<void> {
  const deadline = Date.now() + QUIET_TIMEOUT_MS;
  for (;;) {
    const window = await openChangeWindow(pool);
    await sleep(QUIET_MS);
    const verdict = await window.close({ compare: 'none' });
    const { rows } = await pool.query<{ pending: number; running: number }>(
      `SELECT ((SELECT count(*) FROM outbox WHERE delivered_at IS NULL)
               + (SELECT count(*) FROM unenroll_jobs WHERE done_at IS NULL))::int AS pending,
              (SELECT count(*) FROM enrollments
               WHERE status = 'running' AND started_at > now() - interval '1 minute')::int AS running`,
    );
    if (!verdict.committed && rows[0]!.pending === 0 && rows[0]!.running === 0) return;
    if (Date.now() > deadline) {
      say(
        `bad input: the database is not quiet after ${QUIET_TIMEOUT_MS / 1000} s ` +
          `(${rows[0]!.pending} events pending, ${rows[0]!.running} enrollments running); going on`,
      );
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// HTTP

/** One generated request. The body is raw bytes; `path` is sent exactly as written (no normalisation). */
interface Probe {
  method: string;
  path: string;
  /** The route it was made for, e.g. `PATCH /api/records/{id}`. */
  route: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Send the body with `Transfer-Encoding: chunked` (no Content-Length). */
  chunked?: boolean;
  /** Meant to be accepted (right role, real ids, valid body). */
  valid: boolean;
  note: string;
}

interface Answer {
  /** 0 when no response came. */
  status: number;
  error?: string;
}

/** HTTP/1.1 over keep-alive sockets, raw: paths, headers and body bytes go out as the probe has them. */
class RawHttp {
  private readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(baseUrl: string, sockets: number) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port || 80);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  }

  async send(probe: Probe): Promise<Answer> {
    const first = await this.sendOnce(probe, false);
    // A keep-alive socket the server closed as we reused it: the request never reached the app; send it again.
    return first.error === 'reused-socket-reset' ? this.sendOnce(probe, true) : first;
  }

  private sendOnce(probe: Probe, freshConnection: boolean): Promise<Answer> {
    const names = Object.keys(probe.headers).map((name) => name.toLowerCase());
    // A request that frames its own body (a bad Content-Length or Transfer-Encoding) may leave the connection out of
    // step, so it gets one of its own.
    const ownFraming = names.includes('content-length') || names.includes('transfer-encoding');
    const headers = { ...probe.headers };
    // Frame every body explicitly: for GET, HEAD, DELETE, OPTIONS and TRACE, Node sends a body given to `end()`
    // without a Content-Length, and the server would read it as the next request on the connection.
    if (probe.body && !ownFraming) {
      if (probe.chunked) headers['Transfer-Encoding'] = 'chunked';
      else headers['Content-Length'] = String(probe.body.length);
    }
    return new Promise((resolve) => {
      let status = 0;
      let settled = false;
      const finish = (answer: Answer) => {
        if (settled) return;
        settled = true;
        resolve(answer);
      };
      let req: http.ClientRequest;
      try {
        req = http.request(
          {
            host: this.host,
            port: this.port,
            method: probe.method,
            path: probe.path,
            headers,
            agent: freshConnection || ownFraming ? false : this.agent,
            timeout: REQUEST_TIMEOUT_MS,
          },
          (res) => {
            status = res.statusCode ?? 0;
            res.on('data', () => undefined);
            res.on('end', () => finish({ status }));
            res.on('error', () => finish({ status }));
            res.on('close', () => finish({ status }));
          },
        );
      } catch (error) {
        // Node refuses to send it (a character it will not put in a header or path): a generator bug, not a finding.
        throw new Error(`cannot send ${probe.method} ${probe.path.slice(0, 80)}: ${String(error)}`);
      }
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (status !== 0) return finish({ status });
        const reused = req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
        finish({ status: 0, error: reused ? 'reused-socket-reset' : (error.code ?? error.message) });
      });
      if (probe.body && probe.chunked) {
        req.write(probe.body);
        req.end();
      } else {
        req.end(probe.body);
      }
    });
  }

  /** A JSON call for seeding fixtures. */
  async json(
    token: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = http.request(
        {
          host: this.host,
          port: this.port,
          method,
          path,
          agent: this.agent,
          headers: {
            Authorization: `Bearer ${token}`,
            ...(payload && { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = {};
            try {
              parsed = text ? JSON.parse(text) : {};
            } catch {
              parsed = { text };
            }
            resolve({ status: res.statusCode ?? 0, body: parsed as Record<string, unknown> });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Routes and fixtures

type Slot = 'pipeline' | 'record' | 'workflow' | 'action' | 'template' | 'token' | 'unknown';

interface RouteInfo {
  method: string;
  /** OpenAPI form, `/api/records/{id}`. */
  template: string;
  key: string;
  /** Path parameter name → what it names. */
  params: { name: string; slot: Slot }[];
  /** Roles allowed; undefined for the public operational routes. */
  roles?: Role[];
  /** Query parameters and headers the route reads. */
  query: string[];
  headers: string[];
  /** The route reads a JSON body. */
  body: boolean;
}

interface OpenApiOperation {
  parameters?: { name: string; in: string }[];
  'x-roles'?: Role[];
  requestBody?: unknown;
}

const SLOT_BY_PREFIX: [string, Slot][] = [
  ['/api/pipelines', 'pipeline'],
  ['/api/records', 'record'],
  ['/api/workflows', 'workflow'],
  ['/api/email-templates', 'template'],
  ['/api/tokens', 'token'],
];

/** Every route of the app, from `/openapi.json` (test/unit/openapi.test.ts keeps it equal to what the app serves). */
function readRoutes(): RouteInfo[] {
  const document = buildOpenApiDocument() as { paths: Record<string, Record<string, OpenApiOperation>> };
  return Object.entries(document.paths).flatMap(([template, operations]) =>
    Object.entries(operations).map(([method, operation]) => {
      const parameters = operation.parameters ?? [];
      const slotOfId = SLOT_BY_PREFIX.find(([prefix]) => template.startsWith(`${prefix}/`))?.[1] ?? 'unknown';
      return {
        method: method.toUpperCase(),
        template,
        key: `${method.toUpperCase()} ${template}`,
        params: parameters
          .filter((parameter) => parameter.in === 'path')
          .map((parameter) => ({
            name: parameter.name,
            slot: parameter.name === 'actionId' ? ('action' as const) : parameter.name === 'id' ? slotOfId : 'unknown',
          })),
        roles: operation['x-roles'],
        query: parameters.filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name),
        headers: parameters.filter((parameter) => parameter.in === 'header').map((parameter) => parameter.name),
        body: operation.requestBody !== undefined,
      };
    }),
  );
}

/** What the run seeds through the API, so that real ids exist next to hostile ones. */
interface Fixtures {
  run: string;
  /** A token secret of every role. */
  tokens: Record<Role, string>;
  /** Real ids for every route but deletions. */
  ids: Record<Slot, string[]>;
  /** Real ids for DELETE routes: resources made to be deleted, restored before each phase. */
  victims: Record<Slot, string[]>;
  dealPipeline: string;
  ticketPipeline: string;
  ticket: string;
  thread: string;
  customer: string;
}

const ACTION_IDS = ['act-task', 'act-branch', 'act-nested'];

/** The fixture workflows' actions: a task, and a branch holding a nested action (so nested ids exist). */
const FIXTURE_ACTIONS = [
  { id: 'act-task', type: 'create_task', config: { title: 'Call {{record.id}}' } },
  {
    id: 'act-branch',
    type: 'branch_if',
    config: {
      conditions: { all: [{ property: 'tier', operator: 'eq', value: 'gold' }] },
      then: [{ id: 'act-nested', type: 'set_property', config: { property: 'flag', value: 'gold' } }],
      else: [],
    },
  },
];

async function expectStatus(
  promise: Promise<{ status: number; body: Record<string, unknown> }>,
  expected: number[],
  what: string,
): Promise<Record<string, unknown>> {
  const res = await promise;
  if (!expected.includes(res.status)) {
    throw new Error(
      `seeding ${what}: expected ${expected.join(' or ')}, got ${res.status} ${JSON.stringify(res.body)}`,
    );
  }
  return res.body;
}

async function seedFixtures(client: RawHttp, adminToken: string): Promise<Fixtures> {
  const run = `bad-${randomUUID().slice(0, 8)}`;
  const call = (method: string, path: string, body?: unknown) => client.json(adminToken, method, path, body);
  const tokens = { super_admin: adminToken } as Record<Role, string>;
  for (const role of RoleSchema.options.filter((candidate) => candidate !== 'super_admin')) {
    const body = await expectStatus(call('POST', '/api/tokens', { name: `${run}-${role}`, role }), [201], 'a token');
    tokens[role] = String(body.token);
  }
  const dealPipeline = `${run}-deal`;
  const ticketPipeline = `${run}-ticket`;
  await expectStatus(
    call('POST', '/api/pipelines', {
      id: dealPipeline,
      objectType: 'deal',
      label: 'Bad input deals',
      stages: [
        { id: 'new', label: 'New' },
        { id: 'qualified', label: 'Qualified' },
        { id: 'won', label: 'Won', state: 'closed' },
      ],
    }),
    [201],
    'the deal pipeline',
  );
  await expectStatus(
    call('POST', '/api/pipelines', {
      id: ticketPipeline,
      objectType: 'ticket',
      label: 'Bad input tickets',
      stages: [
        { id: 'new', label: 'New' },
        { id: 'waiting', label: 'Waiting' },
        { id: 'closed', label: 'Closed', state: 'closed' },
      ],
    }),
    [201],
    'the ticket pipeline',
  );
  const customer = 'customer@example.com';
  const thread = `${run}-thread`;
  const deal = `${run}-deal-1`;
  const ticket = `${run}-ticket-1`;
  await expectStatus(
    call('POST', '/api/records', {
      id: deal,
      pipelineId: dealPipeline,
      stageId: 'new',
      properties: { tier: 'gold', amount: 100 },
      contacts: [{ email: customer, marketing: true }],
    }),
    [201],
    'a deal',
  );
  await expectStatus(
    call('POST', '/api/records', {
      id: ticket,
      pipelineId: ticketPipeline,
      stageId: 'new',
      properties: { threadId: thread },
      contacts: [{ email: customer }],
    }),
    [201],
    'a ticket',
  );
  const fixtures: Fixtures = {
    run,
    tokens,
    ids: {
      pipeline: [dealPipeline, ticketPipeline],
      record: [deal, ticket],
      workflow: [`${run}-wf`, `${run}-wf-tickets`],
      action: ACTION_IDS,
      template: ['ticket_received', `${run}-tpl`],
      token: [],
      unknown: [],
    },
    victims: {
      pipeline: [dealPipeline],
      record: [deal],
      workflow: [`${run}-victim-wf`],
      action: ACTION_IDS,
      template: [`${run}-victim-tpl`],
      token: [],
      unknown: [],
    },
    dealPipeline,
    ticketPipeline,
    ticket,
    thread,
    customer,
  };
  await restoreFixtures(client, fixtures, { workflows: true });
  return fixtures;
}

/**
 * Puts the fixtures back as seeded: the victims of DELETE routes, and (with `workflows`) the two fixture workflows,
 * re-created so that added actions and comments do not pile up over a long run.
 */
async function restoreFixtures(client: RawHttp, f: Fixtures, options: { workflows: boolean }): Promise<void> {
  const call = (method: string, path: string, body?: unknown) => client.json(f.tokens.super_admin, method, path, body);
  const workflow = (id: string, pipelineId: string, trigger: unknown, actions: unknown[]) => ({
    id,
    pipelineId,
    name: `Bad input ${id}`,
    trigger,
    actions,
  });
  const recreate = async (body: { id: string }, enable: boolean) => {
    await expectStatus(call('DELETE', `/api/workflows/${body.id}`), [204, 404], `workflow ${body.id}`);
    await expectStatus(call('POST', '/api/workflows', body), [201], `workflow ${body.id}`);
    if (enable) await expectStatus(call('POST', `/api/workflows/${body.id}/enable`), [200], `workflow ${body.id}`);
  };
  const [dealWorkflow, ticketWorkflow] = f.ids.workflow as [string, string];
  if (options.workflows) {
    await recreate(
      workflow(dealWorkflow, f.dealPipeline, { type: 'stage_entered', stageId: 'qualified' }, FIXTURE_ACTIONS),
      true,
    );
    await recreate(
      workflow(ticketWorkflow, f.ticketPipeline, { type: 'ticket_email', on: 'customer_replied' }, [
        { id: 'act-task', type: 'send_email', config: { template: 'ticket_received' } },
      ]),
      false,
    );
    await restoreTemplate(call, f.ids.template[1]!, 'Custom');
  }
  const victim = f.victims.workflow[0]!;
  await recreate(workflow(victim, f.dealPipeline, { type: 'stage_entered', stageId: 'won' }, FIXTURE_ACTIONS), false);
  await restoreTemplate(call, f.victims.template[0]!, 'Victim');
  const token = await expectStatus(
    call('POST', '/api/tokens', { name: `${f.run}-victim`, role: 'viewer' }),
    [201],
    'a token',
  );
  f.victims.token = [String(token.id)];
  f.ids.token = [String(token.id)];
}

/** Puts a custom template back as seeded, creating it when it was deleted. */
async function restoreTemplate(
  call: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: Record<string, unknown> }>,
  id: string,
  name: string,
): Promise<void> {
  const content = { name, subject: `${name} {{record.id}}`, body: 'Hello' };
  const updated = await call('PUT', `/api/email-templates/${id}`, content);
  if (updated.status === 404) {
    await expectStatus(call('POST', '/api/email-templates', { id, ...content }), [201], `template ${id}`);
  } else if (updated.status !== 200) {
    throw new Error(`seeding template ${id}: got ${updated.status} ${JSON.stringify(updated.body)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Generators

/** A string value that JSON text carries as a raw token (`1e400`, a structure nested thousands deep). */
const RAW_MARK = '\u0000raw:';
const raw = (name: string): string => `${RAW_MARK}${name}\u0000`;

/** Raw JSON tokens by name; the deep ones are built once, on first use. */
const RAW_TOKENS: Record<string, () => string> = {
  '1e400': () => '1e400',
  '-1e400': () => '-1e400',
  '1e-400': () => '1e-400',
  'big-int': () => '123456789012345678901234567890123456789',
  '-0': () => '-0',
  ...Object.fromEntries(
    [20, 1_000, 4_600, 20_000, 300_000].flatMap((depth) => [
      [`deep-object-${depth}`, () => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)],
      [`deep-array-${depth}`, () => '['.repeat(depth) + ']'.repeat(depth)],
    ]),
  ),
  ...Object.fromEntries(
    [10, 200, 2_000, 10_000].map((depth) => [
      `deep-action-${depth}`,
      () =>
        '{"type":"branch_if","config":{"conditions":{"all":[{"property":"x","operator":"known"}]},"then":['.repeat(
          depth,
        ) +
        '{"type":"create_task","config":{"title":"deep"}}' +
        '],"else":[]}}'.repeat(depth),
    ]),
  ),
};
const rawCache = new Map<string, string>();
const rawToken = (name: string): string => {
  let text = rawCache.get(name);
  if (text === undefined) {
    text = RAW_TOKENS[name]!();
    rawCache.set(name, text);
  }
  return text;
};
const DEEP_VALUES = Object.keys(RAW_TOKENS).filter(
  (name) => name.startsWith('deep-object') || name.startsWith('deep-array'),
);
const DEEP_ACTIONS = Object.keys(RAW_TOKENS).filter((name) => name.startsWith('deep-action'));
const ODD_NUMBERS = ['1e400', '-1e400', '1e-400', 'big-int', '-0'];

/** JSON text of `value`, with the raw marks replaced by their tokens. */
function toJsonText(value: unknown): string {
  const text = JSON.stringify(value) ?? '';
  return text.replace(/"\\u0000raw:([^"\\]+)\\u0000"/g, (_mark, name: string) => rawToken(name));
}

/** Strings that break naive code: NUL, lone surrogates, huge, control and bidi characters, injections. */
const weirdString = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udfffy',
    '\uffff',
    '\u2028\u2029',
    '\u202eevil',
    '🙂🙃',
    'e\u0301',
    '\t\r\n',
    "'; DROP TABLE records; --",
    "' OR '1'='1",
    '{{record.properties.__proto__}}',
    '{{',
    '${7*7}',
    '<script>alert(1)</script>',
    '../../etc/passwd',
    '%00',
    'null',
    '1e400',
    'x'.repeat(10_001),
    'y'.repeat(200_000),
  ),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ maxLength: 30 }),
);

/** A value of any JSON type, weird ones favoured. */
const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: weirdString },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -1, 2 ** 53 + 2, 1e308, -1e-308, [], {}) },
  { weight: 1, arbitrary: fc.constantFrom(...ODD_NUMBERS).map(raw) },
  { weight: 1, arbitrary: fc.constantFrom(...DEEP_VALUES).map(raw) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.double() },
);

/** Ids for path slots that are not real: unknown but well-formed, or hostile (sent exactly as written). */
const hostileId = fc.oneof(
  fc.constantFrom(
    '..',
    '.',
    '%2e%2e',
    '%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
    'a%2Fb',
    '%00',
    'a%00b',
    encodeURIComponent("'; DROP TABLE records; --"),
    encodeURIComponent("' OR '1'='1"),
    'x'.repeat(5_000),
    encodeURIComponent('🙂'),
    '%E0%A4%A',
    '%',
    '%zz',
    '%C0%AE%C0%AE',
    '%FF%FE',
    '__proto__',
    'constructor',
    '-1',
    'NaN',
    '%20',
    'a%20b',
    '%0D%0AX-Injected:%201',
    '%5C..%5C',
    'a;b',
    '*',
    '',
  ),
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,40}$/),
);

/** Query strings for lists and deletions: wrong types, out of range, repeated, unknown, badly encoded. */
const badQuery = fc.oneof(
  fc.constantFrom(
    '?limit=0',
    '?limit=-1',
    '?limit=501',
    '?limit=abc',
    '?limit=1e400',
    '?limit=1.5',
    '?limit=',
    '?limit=1&limit=2',
    '?cursor=',
    '?cursor=%zz',
    `?cursor=${'c'.repeat(5_000)}`,
    `?cursor=${Buffer.from('p1:99999999999999999999').toString('base64url')}`,
    `?cursor=${Buffer.from('p1:-1').toString('base64url')}`,
    '?status=everything',
    '?mode=all',
    '?mode=',
    '?recordId=..',
    '?recordId=%00',
    '?pipelineId=a%2Fb',
    `?to=${'t'.repeat(400)}`,
    '?x=1',
    '?__proto__=1',
    '?constructor[prototype]=1',
    '?a[b]=c',
    '?&&&',
    '?=',
    '?%',
  ),
  fc
    .dictionary(
      fc.constantFrom('limit', 'cursor', 'recordId', 'pipelineId', 'status', 'to', 'mode', 'x'),
      fc.string({ maxLength: 20 }),
      { maxKeys: 3 },
    )
    .map((params) => `?${new URLSearchParams(params).toString()}`),
);

/** A valid query for the route (or none). */
function validQuery(route: RouteInfo, f: Fixtures): fc.Arbitrary<string> {
  const options = [''];
  if (route.query.includes('limit')) options.push('?limit=5');
  if (route.query.includes('pipelineId')) options.push(`?pipelineId=${f.dealPipeline}`);
  if (route.query.includes('recordId')) options.push(`?recordId=${f.ids.record[0]}`);
  if (route.query.includes('status')) options.push('?status=completed');
  if (route.query.includes('mode')) options.push('?mode=only', '?mode=following');
  return fc.constantFrom(...options);
}

const word = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ]{0,20}$/);
const freshId = (f: Fixtures, kind: string) => fc.uuid().map((uuid) => `${f.run}-${kind}-${uuid.slice(0, 13)}`);
const propertyName = fc.constantFrom('tier', 'amount', 'note', 'flag', 'city');
const scalar = fc.oneof(word, fc.integer({ min: -1000, max: 1000 }), fc.boolean());

/** A valid body for each route that takes one (keyed `METHOD /path/{param}`). */
const VALID_BODIES: Record<string, (f: Fixtures) => fc.Arbitrary<unknown>> = {
  'POST /api/tokens': () =>
    fc.record({ name: word, role: fc.constantFrom(...RoleSchema.options.filter((role) => role !== 'super_admin')) }),
  'POST /api/pipelines': (f) =>
    fc.record({
      id: freshId(f, 'pl'),
      objectType: fc.constantFrom('deal', 'project', 'ticket', 'custom:bad_input'),
      label: word,
      stages: fc.constant([
        { id: 'open', label: 'Open' },
        { id: 'done', label: 'Done', state: 'closed' },
      ]),
    }),
  'POST /api/records': (f) =>
    fc.record({
      id: freshId(f, 'rec'),
      pipelineId: fc.constant(f.dealPipeline),
      stageId: fc.constantFrom('new', 'new', 'qualified', 'won'),
      properties: fc.dictionary(propertyName, scalar, { maxKeys: 3 }),
      source: fc.constantFrom('api', 'import'),
      contacts: fc.constant([{ email: 'ana@example.com', name: 'Ana', marketing: true }]),
    }),
  'PATCH /api/records/{id}': () =>
    fc.oneof(
      fc.record({ stageId: fc.constantFrom('new', 'qualified', 'won') }),
      fc.record({
        properties: fc.dictionary(propertyName, fc.oneof(scalar, fc.constant(null)), { minKeys: 1, maxKeys: 3 }),
      }),
    ),
  'PUT /api/pipelines/{id}/ticket-status-automation': () => {
    const setting = fc.record(
      { enabled: fc.boolean(), stageId: fc.constantFrom('new', 'waiting', 'closed', null) },
      { requiredKeys: [] },
    );
    return fc.record({ emailSentToCustomer: setting, customerReplied: setting }, { requiredKeys: [] });
  },
  'POST /api/events/email': (f) =>
    fc.record({
      ticketId: fc.constant(f.ticket),
      messageId: fc.uuid().map((uuid) => `<${uuid}@mail.example.com>`),
      threadId: fc.constantFrom(f.thread, `${f.run}-other-thread`),
      direction: fc.constantFrom('inbound', 'outbound'),
      channel: fc.constantFrom('ticket', 'contact_record', 'personal_inbox'),
      forwarded: fc.boolean(),
      from: fc.constant(f.customer),
      to: fc.constant('support@example.com'),
      sentAt: fc.constant('2031-05-01T09:00:00Z'),
    }),
  'POST /api/workflows': (f) =>
    fc.record({
      id: freshId(f, 'wf'),
      pipelineId: fc.constant(f.dealPipeline),
      name: word,
      trigger: fc.constant({ type: 'stage_entered', stageId: 'won' }),
      actions: fc.constant([{ type: 'create_task', config: { title: 'Follow up {{record.id}}' } }]),
    }),
  'PATCH /api/workflows/{id}': () =>
    fc.oneof(
      fc.record({ name: word }),
      fc.constant({ enrollment: { reenroll: true } }),
      fc.constant({ settings: { unenrollOnStageExit: false } }),
    ),
  'POST /api/workflows/{id}/disable': () => fc.constantFrom({}, { unenroll: false }, { unenroll: true }),
  'POST /api/workflows/{id}/actions': () =>
    fc.record({
      action: fc.record({ type: fc.constant('create_task'), config: fc.record({ title: word }) }),
      after: fc.constantFrom(undefined, null, 'act-task'),
    }),
  'PATCH /api/workflows/{id}/actions/{actionId}': () => fc.record({ config: fc.record({ title: word }) }),
  'POST /api/workflows/{id}/actions/{actionId}/comments': () => fc.record({ body: word }),
  'POST /api/email-templates': (f) =>
    fc.record({ id: freshId(f, 'tpl'), name: word, subject: word, body: word, transactional: fc.boolean() }),
  'PUT /api/email-templates/{id}': () => fc.record({ subject: word, body: word }),
};

/** Where a deep structure hurts most, per route: a property value, an action, a webhook body. */
const DEEP_BODIES: Record<string, fc.Arbitrary<unknown>> = {
  'POST /api/records': fc
    .constantFrom(...DEEP_VALUES)
    .map((name) => ({ pipelineId: 'p', stageId: 'new', properties: { deep: raw(name) } })),
  'PATCH /api/records/{id}': fc.constantFrom(...DEEP_VALUES).map((name) => ({ properties: { deep: raw(name) } })),
  'POST /api/workflows': fc.constantFrom(...DEEP_ACTIONS).map((name) => ({
    pipelineId: 'p',
    name: 'deep',
    trigger: { type: 'stage_entered', stageId: 'new' },
    actions: [raw(name)],
  })),
  'POST /api/workflows/{id}/actions': fc.oneof(
    fc.constantFrom(...DEEP_ACTIONS).map((name) => ({ action: raw(name) })),
    fc.constantFrom(...DEEP_VALUES).map((name) => ({
      action: { type: 'webhook', config: { url: 'http://127.0.0.1:9/hook', body: raw(name) } },
    })),
  ),
  'PATCH /api/workflows/{id}/actions/{actionId}': fc
    .constantFrom(...DEEP_VALUES)
    .map((name) => ({ config: raw(name) })),
};

/** Bodies that break one of the contract's limits or the rules that keep data where it belongs (issue 15). */
const nestedBranches = (depth: number): unknown =>
  depth === 0
    ? { type: 'create_task', config: { title: 'leaf' } }
    : {
        type: 'branch_if',
        config: { conditions: { all: [{ property: 'tier', operator: 'known' }] }, then: [nestedBranches(depth - 1)] },
      };
const tasks = (count: number) =>
  Array.from({ length: count }, (_, index) => ({
    type: 'create_task',
    config: { title: `task ${index}` },
  }));
const LONG_DURATIONS = ['99999999999999d', '3653d', '522w', '87700h', '5260000m', '1e9d', '315576000001s'];
/** Placeholders where they would choose the target: the scheme, the host, the port, the user info. */
const PLACEHOLDER_URLS = [
  'http://{{record.properties.host}}/hook',
  '{{record.properties.url}}',
  'http{{record.properties.s}}://example.com/hook',
  'https://example.com:{{record.properties.port}}/hook',
  'https://{{record.properties.user}}@example.com/hook',
  'https://api.{{record.properties.domain}}/hook',
  'https://{{secrets.host}}/hook',
];
const OWNER_LISTS = ['ann@x.com, evil@y.com', 'ann@x.com;evil@y.com', 'Ann <ann@x.com>', 'ann@x.com\nBcc: evil@y.com'];

const limitAction: fc.Arbitrary<{ note: string; action: unknown }> = fc.oneof(
  fc.integer({ min: 1_001, max: 200_000 }).map((length) => ({
    note: `a condition value of ${length} digits and a letter`,
    action: {
      type: 'branch_if',
      config: { conditions: { all: [{ property: 'amount', operator: 'gt', value: `${'9'.repeat(length)}x` }] } },
    },
  })),
  fc.integer({ min: 1_001, max: 20_000 }).map((length) => ({
    note: `a branch_value case of ${length} characters`,
    action: { type: 'branch_value', config: { property: 'tier', cases: [{ values: ['v'.repeat(length)] }] } },
  })),
  fc.constantFrom(...LONG_DURATIONS).map((duration) => ({
    note: `a delay of ${duration}`,
    action: { type: 'delay', config: { for: duration } },
  })),
  fc.constantFrom(...LONG_DURATIONS).map((duration) => ({
    note: `a task due in ${duration}`,
    action: { type: 'create_task', config: { title: 'due', dueIn: duration } },
  })),
  fc.integer({ min: 11, max: 30 }).map((depth) => ({
    note: `branches nested ${depth} deep`,
    action: nestedBranches(depth),
  })),
  fc
    .constantFrom(...PLACEHOLDER_URLS)
    .map((url) => ({ note: `a webhook to ${url}`, action: { type: 'webhook', config: { url } } })),
  fc
    .constantFrom(
      { type: 'create_task', config: { title: 'token {{secrets.api}}' } },
      { type: 'create_task', config: { title: 'call', body: 'token {{ secrets.api }}' } },
      { type: 'send_internal_notification', config: { to: { owner: true }, subject: '{{secrets.api}}', body: 'x' } },
      { type: 'set_property', config: { property: 'leak', value: '{{secrets.api}}' } },
      { type: 'webhook', config: { url: 'https://example.com/hook', body: { key: '{{secrets.api}}' } } },
      { type: 'webhook', config: { url: 'https://example.com/{{secrets.a/b}}' } },
    )
    .map((action) => ({ note: `a secret where it would leak: ${action.type}`, action })),
);

const LIMIT_BODIES: Record<string, (f: Fixtures) => fc.Arbitrary<{ note: string; body: unknown }>> = {
  'POST /api/workflows': (f) => {
    const workflow = (actions: unknown[]) => ({
      pipelineId: f.dealPipeline,
      name: 'limits',
      trigger: { type: 'stage_entered', stageId: 'won' },
      actions,
    });
    return fc.oneof(
      limitAction.map(({ note, action }) => ({ note, body: workflow([action]) })),
      fc.integer({ min: 1, max: 300 }).map((extra) => ({
        note: `${500 + extra} actions, nested ones included`,
        body: workflow([
          {
            type: 'branch_if',
            config: { conditions: { all: [{ property: 'x', operator: 'known' }] }, then: tasks(200) },
          },
          {
            type: 'branch_if',
            config: { conditions: { all: [{ property: 'x', operator: 'known' }] }, then: tasks(200) },
          },
          ...tasks(98 + extra),
        ]),
      })),
      fc.integer({ min: 27, max: 90 }).map((count) => ({
        note: `${count} comments of 10,000 characters (over 256 KiB)`,
        body: workflow([
          {
            type: 'create_task',
            config: { title: 'talked about' },
            comments: Array.from({ length: count }, (_, index) => ({
              id: `c${index}`,
              by: 'x',
              at: '2030-01-01T00:00:00Z',
              body: 'c'.repeat(10_000),
            })),
          },
        ]),
      })),
    );
  },
  'POST /api/workflows/{id}/actions': () => limitAction.map(({ note, action }) => ({ note, body: { action } })),
  'PATCH /api/workflows/{id}/actions/{actionId}': () =>
    fc.oneof(
      fc.constantFrom(...LONG_DURATIONS).map((duration) => ({
        note: `due in ${duration}`,
        body: { config: { title: 'due', dueIn: duration } },
      })),
      fc.constant({ note: 'a secret in a task title', body: { config: { title: '{{secrets.api}}' } } }),
    ),
  'POST /api/workflows/{id}/actions/{actionId}/comments': () =>
    fc.integer({ min: 10_001, max: 60_000 }).map((length) => ({
      note: `a comment of ${length} characters`,
      body: { body: 'c'.repeat(length) },
    })),
  'POST /api/records': (f) =>
    fc.oneof(
      fc.integer({ min: 201, max: 2_000 }).map((count) => ({
        note: `${count} properties`,
        body: { pipelineId: f.dealPipeline, stageId: 'won', properties: manyProperties(count) },
      })),
      fc.integer({ min: 66, max: 900 }).map((kib) => ({
        note: `properties of ${kib} KiB`,
        body: { pipelineId: f.dealPipeline, stageId: 'won', properties: { blob: 'b'.repeat(kib * 1024) } },
      })),
      fc.constantFrom(...OWNER_LISTS).map((ownerId) => ({
        note: `owner ${JSON.stringify(ownerId)}`,
        body: { pipelineId: f.dealPipeline, stageId: 'won', ownerId },
      })),
    ),
  'PATCH /api/records/{id}': () =>
    fc.integer({ min: 201, max: 2_000 }).map((count) => ({
      note: `${count} properties merged`,
      body: { properties: manyProperties(count) },
    })),
  'PUT /api/secrets/{name}': () =>
    fc
      .constantFrom<unknown>('', 'line\nbreak', 'carriage\rreturn', 'nul\u0000', 'é'.repeat(4_097), 42, null, {}, [])
      .map((value) => ({ note: `a secret value ${JSON.stringify(value).slice(0, 20)}`, body: { value } })),
};

function manyProperties(count: number): Record<string, number> {
  return Object.fromEntries(Array.from({ length: count }, (_, index) => [`p${index}`, index]));
}

/** One fault in a valid body: drop a field, change its type, add an unknown one, deepen it, wrap the whole. */
function mutate(body: unknown, choice: { kind: number; at: number; value: unknown; key: string }): unknown {
  const objects: Record<string, unknown>[] = [];
  const walk = (node: unknown) => {
    if (node && typeof node === 'object') {
      if (!Array.isArray(node)) objects.push(node as Record<string, unknown>);
      for (const child of Object.values(node)) walk(child);
    }
  };
  const copy = structuredClone(body);
  walk(copy);
  const target = objects[choice.at % Math.max(objects.length, 1)];
  const keys = target ? Object.keys(target) : [];
  const key = keys[choice.at % Math.max(keys.length, 1)];
  switch (choice.kind % 5) {
    case 0:
      if (target && key !== undefined) delete target[key];
      return copy;
    case 1:
      if (target && key !== undefined) target[key] = choice.value;
      return copy;
    case 2:
      if (target) target[choice.key] = choice.value;
      return copy;
    case 3:
      return [copy];
    default:
      return JSON.stringify(copy);
  }
}

interface BuiltBody {
  bytes: Buffer;
  chunked?: boolean;
  contentEncoding?: string;
}

/** A body, built only when the request carries it (building costs more than generating). */
interface BodyPlan {
  note: string;
  build: () => BuiltBody;
}

const jsonBody = (value: unknown) => (): BuiltBody => ({ bytes: Buffer.from(toJsonText(value)) });

const MUTATIONS = ['a field dropped', 'a field changed', 'an extra field', 'wrapped in an array', 'as a JSON string'];

/** Faults applied to JSON text: they break the syntax or the encoding, or test the parser's corners. */
const TEXT_FAULTS: { name: string; apply: (text: string, at: number) => Buffer }[] = [
  { name: 'truncated', apply: (text, at) => Buffer.from(text.slice(0, at % Math.max(text.length, 1))) },
  { name: 'bom-then-garbage', apply: (text) => Buffer.from(`\ufeff\ufeff${text}`) },
  { name: 'utf16', apply: (text) => Buffer.from(text, 'utf16le') },
  { name: 'latin1', apply: (text) => Buffer.from(text.replace(/^\{/, '{"café":"ü",'), 'latin1') },
  {
    name: 'invalid-utf8',
    apply: (text, at) => {
      const bytes = Buffer.from(text);
      const cut = at % Math.max(bytes.length, 1);
      return Buffer.concat([
        bytes.subarray(0, cut),
        Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]),
        bytes.subarray(cut),
      ]);
    },
  },
  { name: 'duplicate-keys', apply: (text) => Buffer.from(text.replace(/^\{/, '{"id":"..","name":1,"id":"dup",')) },
  {
    name: 'proto-key',
    apply: (text) =>
      Buffer.from(text.replace(/^\{/, '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}},')),
  },
  { name: 'trailing-comma', apply: (text) => Buffer.from(text.replace(/\}$/, ',}')) },
  { name: 'comment', apply: (text) => Buffer.from(`/* hi */${text}`) },
  { name: 'single-quotes', apply: (text) => Buffer.from(text.replace(/"/g, "'")) },
  { name: 'nan', apply: (text) => Buffer.from(text.replace(/^\{/, '{"limit":NaN,"n":Infinity,')) },
  { name: 'nul-bytes', apply: (text) => Buffer.from(`${text}\u0000\u0000`) },
  { name: 'form-feed', apply: (text) => Buffer.from(`\f${text}`) },
  { name: 'two-documents', apply: (text) => Buffer.from(`${text}${text}`) },
];

/** Bodies over the 1 MiB limit, and one that only grows past it when inflated. Built once. */
const HUGE = {
  json: (): Buffer => Buffer.from(`{"label":"${'x'.repeat(ONE_MIB + 16)}"}`),
  whitespace: (): Buffer => Buffer.from(`${' '.repeat(ONE_MIB + 1)}{}`),
  gzipBomb: (): Buffer => gzipSync(Buffer.from(`{"label":"${' '.repeat(16 * ONE_MIB)}"}`)),
};
const hugeCache = new Map<keyof typeof HUGE, Buffer>();
const huge = (name: keyof typeof HUGE): Buffer => {
  let bytes = hugeCache.get(name);
  if (!bytes) {
    bytes = HUGE[name]();
    hugeCache.set(name, bytes);
  }
  return bytes;
};

/** A body for a request meant to be rejected. */
function badBody(route: RouteInfo, f: Fixtures): fc.Arbitrary<BodyPlan> {
  const valid = VALID_BODIES[route.key]?.(f) ?? fc.constant({});
  const mutation = fc.record({
    kind: fc.nat(),
    at: fc.nat(),
    value: weirdValue,
    key: fc.constantFrom('extra', 'id', 'type', 'config', 'properties', 'role', '', 'k'.repeat(300)),
  });
  const deep = DEEP_BODIES[route.key];
  const overLimit = LIMIT_BODIES[route.key]?.(f);
  const plans: fc.WeightedArbitrary<BodyPlan>[] = [
    {
      weight: 8,
      arbitrary: fc.tuple(valid, mutation).map(([body, choice]) => ({
        note: `body: valid but ${MUTATIONS[choice.kind % MUTATIONS.length]}`,
        build: () => ({ bytes: Buffer.from(toJsonText(mutate(body, choice))) }),
      })),
    },
    {
      weight: 3,
      arbitrary: fc
        .dictionary(
          fc.constantFrom(
            'id',
            'name',
            'label',
            'stages',
            'pipelineId',
            'stageId',
            'properties',
            'action',
            'config',
            'body',
            'role',
            'subject',
            'trigger',
            'unenroll',
          ),
          weirdValue,
          { maxKeys: 5 },
        )
        .map((body) => ({ note: 'body: known fields, odd values', build: jsonBody(body) })),
    },
    {
      weight: 2,
      arbitrary: fc.jsonValue({ maxDepth: 4 }).map((body) => ({ note: 'body: any JSON', build: jsonBody(body) })),
    },
    {
      weight: 4,
      arbitrary: fc.tuple(valid, fc.constantFrom(...TEXT_FAULTS), fc.nat()).map(([body, fault, at]) => ({
        note: `body: ${fault.name}`,
        build: () => ({ bytes: fault.apply(toJsonText(body), at) }),
      })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<BodyPlan>(
        { note: 'body: 1 MiB + 16 bytes', build: () => ({ bytes: huge('json') }) },
        { note: 'body: 1 MiB + 16 bytes, chunked', build: () => ({ bytes: huge('json'), chunked: true }) },
        { note: 'body: 1 MiB of whitespace', build: () => ({ bytes: huge('whitespace') }) },
        {
          note: 'body: gzip bomb (16 MiB inflated)',
          build: () => ({ bytes: huge('gzipBomb'), contentEncoding: 'gzip' }),
        },
        { note: 'body: empty', build: () => ({ bytes: Buffer.alloc(0) }) },
      ),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(valid, fc.constantFrom('gzip', 'deflate', 'br', 'x-unknown', 'gzip, gzip', 'compress'))
        .map(([body, encoding]) => ({
          note: `body: Content-Encoding ${encoding}, sent plain`,
          build: () => ({ bytes: Buffer.from(toJsonText(body)), contentEncoding: encoding }),
        })),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(...DEEP_VALUES, ...DEEP_ACTIONS)
        .map((name) => ({ note: `body: ${name}`, build: () => ({ bytes: Buffer.from(rawToken(name)) }) })),
    },
  ];
  if (deep)
    plans.push({
      weight: 4,
      arbitrary: deep.map((body) => ({ note: 'body: deep where it hurts', build: jsonBody(body) })),
    });
  if (overLimit)
    plans.push({
      weight: 4,
      arbitrary: overLimit.map(({ note, body }) => ({ note: `body: over a limit: ${note}`, build: jsonBody(body) })),
    });
  return fc.oneof(...plans);
}

/** Content types the JSON parser refuses, or that leave the body unread. */
const BAD_CONTENT_TYPES = [
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/json; charset=nonsense',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonx',
  'application/json, text/plain',
  '',
  '*/*',
];

/**
 * Odd but valid ways to send a JSON body (requests meant to be valid use them now and then): other spellings of the
 * type, a BOM, surrounding whitespace, compression.
 */
const VALID_ENCODINGS: {
  note: string;
  contentType: string;
  encode: (json: Buffer) => Buffer;
  contentEncoding?: string;
}[] = [
  { note: 'charset=utf-8', contentType: 'application/json; charset=utf-8', encode: (json) => json },
  { note: 'upper-case type', contentType: 'APPLICATION/JSON', encode: (json) => json },
  { note: '+json type', contentType: 'application/merge-patch+json', encode: (json) => json },
  { note: 'charset=utf-7', contentType: 'application/json; charset=utf-7', encode: (json) => json },
  { note: 'BOM', contentType: 'application/json', encode: (json) => Buffer.concat([Buffer.from('\ufeff'), json]) },
  { note: 'whitespace', contentType: 'application/json', encode: (json) => Buffer.from(` \r\n${json.toString()}\n `) },
  { note: 'gzip', contentType: 'application/json', encode: (json) => gzipSync(json), contentEncoding: 'gzip' },
  { note: 'deflate', contentType: 'application/json', encode: (json) => deflateSync(json), contentEncoding: 'deflate' },
  { note: 'identity', contentType: 'application/json', encode: (json) => json, contentEncoding: 'identity' },
];

/** What can be wrong with a request besides its body. */
const FAULTS = ['auth', 'role', 'id', 'query', 'header', 'content-type', 'method', 'body'] as const;
type Fault = (typeof FAULTS)[number];

const BAD_AUTHORIZATION = fc.oneof(
  fc.constantFrom(
    'Bearer',
    'Bearer ',
    'Bearer x',
    'Basic dXNlcjpwYXNz',
    'Token abc',
    `Bearer ${'a'.repeat(8_000)}`,
    'Bearer \u00ff\u00fe',
    'Bearer a b',
    'Bearer null',
    "Bearer ' OR '1'='1",
    '',
  ),
  fc.stringMatching(/^[\x21-\x7e]{0,60}$/).map((token) => `Bearer ${token}`),
);

const BAD_IF_MATCH = fc.constantFrom(
  '',
  'abc',
  '"1',
  '*',
  'W/"x"',
  '-1',
  '99999999999',
  '1e3',
  '0x1',
  'x'.repeat(5_000),
  '\u00e9',
  '1, 2',
);
const BAD_IDEMPOTENCY_KEY = fc.constantFrom('', ' ', 'a b', 'k'.repeat(201), '\u00e9', '\t', 'key\u00ff', 'k\u0080');

/** Headers no route reads, or that the HTTP layer itself refuses. */
const ODD_HEADER = fc.constantFrom(
  ['X-Request-Id', 'x'.repeat(300)] as const,
  ['X-Request-Id', '../\u00ff'] as const,
  ['Accept', 'application/xml'] as const,
  ['Content-Length', 'abc'] as const,
  ['Expect', 'nothing'] as const,
  ['Transfer-Encoding', 'gzip'] as const,
  ['X-Forwarded-For', "'; DROP TABLE records; --"] as const,
);

const ODD_METHODS = ['HEAD', 'OPTIONS', 'PUT', 'PATCH', 'DELETE', 'POST', 'GET', 'TRACE', 'PURGE'];
const PUBLIC_ROUTE_WEIGHT = 1;
const API_ROUTE_WEIGHT = 8;

/** The path with each slot filled: real ids, or hostile ones where `hostile` says so. */
function fillPath(route: RouteInfo, ids: string[]): string {
  let index = 0;
  return route.template.replace(/\{(\w+)\}/g, () => ids[index++] ?? 'missing');
}

/** Real ids for the route's slots; the victims when the request deletes, so that the other fixtures stay. */
function realIdsFor(route: RouteInfo, f: Fixtures, method = route.method): fc.Arbitrary<string[]> {
  const pool = method === 'DELETE' ? f.victims : f.ids;
  return fc.tuple<string[]>(
    ...route.params.map((param) => fc.constantFrom(...(pool[param.slot].length > 0 ? pool[param.slot] : ['none']))),
  );
}

/**
 * A request meant to be accepted: the route's own method, a role it allows, real ids, a valid body, now and then
 * sent in an odd but valid encoding, or with an `Idempotency-Key` from a small set (so that some repeat).
 */
function validProbe(route: RouteInfo, f: Fixtures): fc.Arbitrary<Probe> {
  const roles = route.roles ?? [];
  const body = VALID_BODIES[route.key]?.(f);
  return fc
    .record({
      role: roles.length > 0 ? fc.constantFrom(...roles) : fc.constant(undefined),
      ids: realIdsFor(route, f),
      query: validQuery(route, f),
      body: body ?? fc.constant(undefined),
      encoding: fc.option(fc.constantFrom(...VALID_ENCODINGS), { freq: 4 }),
      idempotencyKey: fc.option(fc.integer({ min: 1, max: 5 }), { freq: 3 }),
    })
    .map(({ role, ids, query, body: value, encoding, idempotencyKey }) => {
      const headers: Record<string, string> = {};
      const notes = [`valid, as ${role ?? 'anyone'}`];
      if (role) headers.Authorization = `Bearer ${f.tokens[role]}`;
      let bytes: Buffer | undefined = value === undefined ? undefined : Buffer.from(JSON.stringify(value));
      if (bytes) {
        headers['Content-Type'] = encoding?.contentType ?? 'application/json';
        if (encoding) {
          bytes = encoding.encode(bytes);
          if (encoding.contentEncoding) headers['Content-Encoding'] = encoding.contentEncoding;
          notes.push(encoding.note);
        }
      }
      if (idempotencyKey !== null && route.headers.includes('Idempotency-Key')) {
        headers['Idempotency-Key'] = `${f.run}-key-${idempotencyKey}`;
        notes.push(`Idempotency-Key ${idempotencyKey}`);
      }
      return {
        method: route.method,
        path: fillPath(route, ids) + query,
        route: route.key,
        headers,
        body: bytes,
        valid: true,
        note: notes.join('; '),
      };
    });
}

/** A request with at least one fault (`primary`), and now and then others. */
function badProbe(route: RouteInfo, f: Fixtures): fc.Arbitrary<Probe> {
  const roles = route.roles ?? [];
  const wrongRoles = RoleSchema.options.filter((role) => route.roles && !roles.includes(role));
  const extra = fc.constantFrom(...FAULTS);
  // The primary fault is one the route cannot ignore: no query fault where it reads no query, and so on.
  const effective = FAULTS.filter(
    (fault) =>
      (fault !== 'auth' || route.roles !== undefined) &&
      (fault !== 'role' || wrongRoles.length > 0) &&
      (fault !== 'id' || route.params.length > 0) &&
      (fault !== 'query' || route.query.length > 0) &&
      (fault !== 'header' || route.headers.length > 0) &&
      ((fault !== 'body' && fault !== 'content-type') || route.body),
  );
  const routeHeader =
    route.headers.length > 0
      ? fc.oneof(
          ...route.headers.map((name) =>
            (name === 'If-Match' ? BAD_IF_MATCH : BAD_IDEMPOTENCY_KEY).map((value) => [name, value] as const),
          ),
        )
      : ODD_HEADER;
  return fc
    .record({
      primary: fc.constantFrom(...effective),
      others: fc.array(extra, { maxLength: 2 }),
      sometimes: fc.integer({ min: 0, max: 9 }),
      role: roles.length > 0 ? fc.constantFrom(...roles) : fc.constant(undefined),
      wrongRole: wrongRoles.length > 0 ? fc.constantFrom(...wrongRoles) : fc.constant(undefined),
      noToken: fc.boolean(),
      authorization: BAD_AUTHORIZATION,
      realIds: realIdsFor(route, f),
      victimIds: realIdsFor(route, f, 'DELETE'),
      hostile: fc.array(fc.option(hostileId, { nil: undefined, freq: 2 }), {
        minLength: route.params.length,
        maxLength: route.params.length,
      }),
      firstHostile: hostileId,
      query: badQuery,
      validQuery: validQuery(route, f),
      header: routeHeader,
      contentType: fc.constantFrom(...BAD_CONTENT_TYPES),
      method: fc.constantFrom(...ODD_METHODS.filter((method) => method !== route.method)),
      body: badBody(route, f),
      validBody: VALID_BODIES[route.key]?.(f) ?? fc.constant(undefined),
    })
    .map((g) => {
      const faults = new Set<Fault>([g.primary, ...(g.sometimes < 2 ? g.others : [])]);
      const notes: string[] = [];
      const headers: Record<string, string> = {};
      // Who: a role the route allows, unless the fault is about the token.
      if (faults.has('auth')) {
        if (g.noToken) notes.push('no token');
        else {
          headers.Authorization = g.authorization;
          notes.push(`Authorization ${JSON.stringify(g.authorization.slice(0, 30))}`);
        }
      } else {
        const role = faults.has('role') && g.wrongRole ? g.wrongRole : g.role;
        if (role) headers.Authorization = `Bearer ${f.tokens[role]}`;
        notes.push(`as ${role ?? 'anyone'}${faults.has('role') && g.wrongRole ? ' (not allowed)' : ''}`);
      }
      const method = faults.has('method') ? g.method : route.method;
      if (faults.has('method')) notes.push(`method ${method}`);
      // Which: real ids, some replaced by hostile ones.
      let ids = method === 'DELETE' ? g.victimIds : g.realIds;
      if (faults.has('id') && route.params.length > 0) {
        const hostile = g.hostile.some((id) => id !== undefined) ? g.hostile : [g.firstHostile];
        ids = ids.map((id, index) => hostile[index] ?? id);
        const replaced = hostile.filter((id): id is string => id !== undefined);
        notes.push(`ids ${replaced.map((id) => JSON.stringify(id.slice(0, 24))).join(', ')}`);
      }
      const query = faults.has('query') ? g.query : g.validQuery;
      if (faults.has('query')) notes.push(`query ${JSON.stringify(query.slice(0, 40))}`);
      if (faults.has('header')) {
        headers[g.header[0]] = g.header[1];
        notes.push(`${g.header[0]} ${JSON.stringify(g.header[1].slice(0, 24))}`);
      }
      // What: the body, faulty or valid, and its Content-Type.
      let body: Buffer | undefined;
      let chunked = false;
      if (faults.has('body')) {
        const built = g.body.build();
        body = built.bytes;
        chunked = built.chunked ?? false;
        if (built.contentEncoding) headers['Content-Encoding'] = built.contentEncoding;
        notes.push(g.body.note);
      } else {
        body = g.validBody === undefined ? undefined : Buffer.from(JSON.stringify(g.validBody));
      }
      if (body) {
        const contentType = faults.has('content-type') ? g.contentType : 'application/json';
        if (contentType) headers['Content-Type'] = contentType;
        if (faults.has('content-type')) notes.push(`Content-Type ${JSON.stringify(contentType)}`);
      }
      return {
        method,
        path: fillPath(route, ids) + query,
        route: route.key,
        headers,
        body,
        chunked,
        valid: false,
        note: notes.join('; '),
      };
    });
}

/** Requests over every route: about one in eight meant to be valid. */
function probeArbitrary(routes: readonly RouteInfo[], f: Fixtures): fc.Arbitrary<Probe> {
  const weightOf = (route: RouteInfo) => (route.roles ? API_ROUTE_WEIGHT : PUBLIC_ROUTE_WEIGHT);
  const valid = fc.oneof(...routes.map((route) => ({ weight: weightOf(route), arbitrary: validProbe(route, f) })));
  const bad = fc.oneof(...routes.map((route) => ({ weight: weightOf(route), arbitrary: badProbe(route, f) })));
  return fc.oneof({ weight: 1, arbitrary: valid }, { weight: 7, arbitrary: bad });
}

// ---------------------------------------------------------------------------------------------------------------------
// The run

interface Sent {
  probe: Probe;
  answer: Answer;
}

const isRejected = (status: number) => status >= 400 && status < 500;
const isServerError = (answer: Answer) => answer.status >= 500 || answer.status === 0;
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const isAcceptedWrite = (sent: Sent) =>
  sent.answer.status > 0 && sent.answer.status < 400 && !READ_METHODS.has(sent.probe.method);

/** Sends `probes` with `concurrency` in flight; answers in the order of the probes. */
async function sendAll(client: RawHttp, probes: readonly Probe[], concurrency: number): Promise<Sent[]> {
  const sent: Sent[] = new Array<Sent>(probes.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, probes.length) }, async () => {
      while (next < probes.length) {
        const index = next++;
        const probe = probes[index]!;
        sent[index] = { probe, answer: await client.send(probe) };
      }
    }),
  );
  return sent;
}

/** A window that changed the database with no accepted write in it to explain the change. */
interface Suspect {
  batch: Sent[];
  tables: string[];
}

/**
 * Runs `options.count` generated requests against the API at `options.apiUrl` and checks each answer and, for each
 * rejected one, that the database did not change (see the module comment for how). `server_errors` also counts a 5xx
 * to a re-check (a replay of a rejected request), should one happen.
 */
export async function runBadInput(options: BadInputOptions): Promise<BadInputResult> {
  const { pool, say, count } = options;
  const seed = options.seed ?? Date.now() % 2 ** 31;
  const client = new RawHttp(options.apiUrl, CONCURRENCY);
  const routes = readRoutes();
  const result: BadInputResult = {
    requests: 0,
    rejected: 0,
    accepted: 0,
    server_errors: 0,
    rejected_with_db_change: 0,
    requests_per_s: 0,
    by_status: {},
    examples: [],
  };
  /** Keeps (and says) up to `MAX_EXAMPLES` findings, one per route, status and kind of input. */
  const exampleKeys = new Set<string>();
  const addExample = (sent: Sent, note: string) => {
    const key = `${sent.probe.route} ${sent.answer.status} ${note.split('; ').at(-1)}`;
    if (result.examples.length >= MAX_EXAMPLES || exampleKeys.has(key)) return;
    exampleKeys.add(key);
    const example = {
      method: sent.probe.method,
      path: sent.probe.path.slice(0, 200),
      status: sent.answer.status,
      note: note.slice(0, 300),
    };
    result.examples.push(example);
    say(`bad input: ${example.method} ${example.path.slice(0, 100)} → ${example.status}: ${example.note}`);
  };
  const serverError = (sent: Sent, when: string) => {
    result.server_errors += 1;
    const cause = sent.answer.status === 0 ? `no response (${sent.answer.error}); ` : '';
    addExample(sent, `${cause}${when}${sent.probe.note}`);
  };
  const changedBy = (sent: Sent, tables: string[]) => {
    result.rejected_with_db_change += 1;
    addExample(sent, `rejected, yet changed ${tables.join(', ')}; ${sent.probe.note}`);
  };
  const tally = (sent: Sent) => {
    const { status } = sent.answer;
    result.requests += 1;
    const label = status === 0 ? 'no response' : String(status);
    result.by_status[label] = (result.by_status[label] ?? 0) + 1;
    if (isServerError(sent.answer)) serverError(sent, '');
    else if (isRejected(status)) result.rejected += 1;
    else result.accepted += 1;
    report();
  };

  let started = Date.now();
  let nextReport = 0.1;
  const report = () => {
    if (result.requests < nextReport * count) return;
    const seconds = (Date.now() - started) / 1000;
    say(
      `bad input: ${Math.round((result.requests / count) * 100)}% (${result.requests}/${count}), ` +
        `${Math.round(result.requests / Math.max(seconds, 0.001))} requests/s, ${result.server_errors} 5xx, ` +
        `${result.rejected_with_db_change} rejected with a database change`,
    );
    while (nextReport * count <= result.requests) nextReport += 0.1;
  };

  /**
   * Sends `probes` in change windows of `size`. Returns the rejected requests of every window in which something
   * committed (to re-check), and the suspect windows: those that changed a table only the API writes with no
   * accepted write (or 5xx) in them to explain it.
   */
  const sendInWindows = async (probes: readonly Probe[], size: number, onSent: (sent: Sent) => void) => {
    const unclear: Sent[] = [];
    const suspects: Suspect[] = [];
    for (let start = 0; start < probes.length; start += size) {
      const window = await openChangeWindow(pool);
      const batch = await sendAll(client, probes.slice(start, start + size), CONCURRENCY);
      // An accepted write explains a change; so may a 5xx (already counted as a failure in its own right).
      const explained = batch.some((sent) => isAcceptedWrite(sent) || isServerError(sent.answer));
      const verdict = await window.close({ compare: explained ? 'none' : (table) => !BACKGROUND_TABLES.has(table) });
      batch.forEach(onSent);
      if (!verdict.committed) continue;
      unclear.push(...batch.filter((sent) => isRejected(sent.answer.status)));
      if (!explained && verdict.tables.length > 0) suspects.push({ batch, tables: verdict.tables });
    }
    return { unclear, suspects };
  };

  /** Replays requests one at a time, each in its own window; returns the probes that were pinned as culprits. */
  const replayAlone = async (list: readonly Sent[]): Promise<Set<Probe>> => {
    const pinned = new Set<Probe>();
    const replay = async (probe: Probe) => {
      const window = await openChangeWindow(pool);
      const [replayed] = await sendAll(client, [probe], 1);
      const verdict = await window.close({ compare: isAcceptedWrite(replayed!) ? 'none' : 'all' });
      if (isServerError(replayed!.answer)) serverError(replayed!, 'on replay; ');
      if (verdict.backgroundWork) await waitForQuiet(pool, say);
      return { replayed: replayed!, verdict };
    };
    const changedAlone = ({ replayed, verdict }: Awaited<ReturnType<typeof replay>>) =>
      isRejected(replayed.answer.status) && verdict.tables.length > 0;
    for (const original of list) {
      let attempt = await replay(original.probe);
      if (!changedAlone(attempt)) continue;
      // A change confined to tables the relay and the worker write, while they had work, may be theirs: then it
      // must happen again, in quiet, to count.
      if (attempt.verdict.backgroundWork && attempt.verdict.tables.every((table) => BACKGROUND_TABLES.has(table))) {
        await waitForQuiet(pool, say);
        attempt = await replay(original.probe);
        if (!changedAlone(attempt)) continue;
      }
      changedBy(attempt.replayed, attempt.verdict.tables);
      pinned.add(original.probe);
    }
    return pinned;
  };

  /**
   * Re-checks rejected requests once the database is quiet: replayed in windows, then one at a time where such a
   * window still sees a commit. A suspect window none of whose requests was pinned counts once.
   */
  const recheck = async (unclear: readonly Sent[], suspects: readonly Suspect[]) => {
    if (unclear.length === 0 && suspects.length === 0) return;
    await waitForQuiet(pool, say);
    const again = await sendInWindows(
      unclear.map((sent) => sent.probe),
      RECHECK_WINDOW,
      (sent) => {
        if (isServerError(sent.answer)) serverError(sent, 'on replay; ');
      },
    );
    const pinned = await replayAlone(again.unclear);
    for (const suspect of suspects) {
      if (suspect.batch.some((sent) => pinned.has(sent.probe))) continue;
      const first = suspect.batch.find((sent) => isRejected(sent.answer.status)) ?? suspect.batch[0]!;
      changedBy(first, [`${suspect.tables.join(', ')} (in a window of ${suspect.batch.length}, unpinned)`]);
    }
  };

  say(`bad input: ${count} requests over ${routes.length} routes, seed ${seed}`);
  try {
    const fixtures = await seedFixtures(client, options.adminToken);
    started = Date.now();
    for (let chunk = 0; result.requests < count; chunk += 1) {
      const size = Math.min(CHUNK, count - result.requests);
      if (chunk > 0) await restoreFixtures(client, fixtures, { workflows: true });
      const probes = fc.sample(probeArbitrary(routes, fixtures), { numRuns: size, seed: seed + chunk });
      // The requests meant to be valid first, without windows: their rejected ones are re-checked with the rest.
      const validSent = await sendAll(
        client,
        probes.filter((probe) => probe.valid),
        CONCURRENCY,
      );
      validSent.forEach(tally);
      await restoreFixtures(client, fixtures, { workflows: false });
      await waitForQuiet(pool, say);
      const rest = probes.filter((probe) => !probe.valid);
      const writes = await sendInWindows(
        rest.filter((probe) => !READ_METHODS.has(probe.method)),
        WRITE_WINDOW,
        tally,
      );
      await waitForQuiet(pool, say);
      const reads = await sendInWindows(
        rest.filter((probe) => READ_METHODS.has(probe.method)),
        READ_WINDOW,
        tally,
      );
      await recheck(
        [...validSent.filter((sent) => isRejected(sent.answer.status)), ...writes.unclear, ...reads.unclear],
        [...writes.suspects, ...reads.suspects],
      );
    }
  } finally {
    client.close();
  }
  result.requests_per_s = Math.round(result.requests / ((Date.now() - started) / 1000));
  return result;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
