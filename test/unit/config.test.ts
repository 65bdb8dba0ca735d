import path from 'node:path';
import { ConfigError, loadConfig, privateTargetsWarning, requireExternal } from '../../src/config';
import { roleAllows } from '../../src/domain/roles';

describe('loadConfig', () => {
  it('uses the embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, temporal: { namespace: 'default', taskQueue: 'pipewright' } });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toMatch(/\.data$/);
    expect(config.workflowBundle).toBeUndefined();
    expect(config.maxCachedWorkflows).toBe(500);
  });

  it('limits the API by default: per token, per address without a valid token, metrics open, no proxy trusted', () => {
    expect(loadConfig({}).api).toMatchObject({ rateLimits: { perToken: 6_000, authFailures: 120 } });
    expect(loadConfig({}).api.metricsToken).toBeUndefined();
    expect(loadConfig({}).api.trustProxy).toBeUndefined();
    expect(loadConfig({}).workerMetricsHost).toBe('127.0.0.1');
    const set = loadConfig({
      API_RATE_LIMIT: '0',
      API_AUTH_FAILURE_LIMIT: '10',
      METRICS_TOKEN: 'metrics-token-0123456789',
      TRUST_PROXY: '1',
    }).api;
    expect(set).toMatchObject({
      rateLimits: { perToken: 0, authFailures: 10 },
      metricsToken: 'metrics-token-0123456789',
      trustProxy: 1,
    });
    expect(loadConfig({ TRUST_PROXY: '10.0.0.1, 10.0.0.2' }).api.trustProxy).toBe('10.0.0.1, 10.0.0.2');
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    expect(() => loadConfig({ TRUST_PROXY: 'everyone' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ API_RATE_LIMIT: '-1' })).toThrow(/API_RATE_LIMIT/);
  });

  it('resolves WORKFLOW_BUNDLE to an absolute path', () => {
    expect(loadConfig({ WORKFLOW_BUNDLE: 'build/bundle.js' }).workflowBundle).toBe(path.resolve('build/bundle.js'));
  });

  it('stops with a message naming each bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', TEMPORAL_ADDRESS: 'nohost' })).toThrow(
      ConfigError,
    );
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', TEMPORAL_ADDRESS: 'nohost' });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('PORT');
      expect(message).toContain('DATABASE_URL');
      expect(message).toContain('TEMPORAL_ADDRESS');
    }
  });

  it('refuses private webhook targets by default, whatever NODE_ENV says', () => {
    for (const env of [{}, { NODE_ENV: 'development' }, { NODE_ENV: 'test' }, { NODE_ENV: 'production' }]) {
      const config = loadConfig(env);
      expect({ env, allow: config.webhook.allowPrivateTargets }).toEqual({ env, allow: false });
      expect(privateTargetsWarning(config)).toBeUndefined();
    }
  });

  it('allows private webhook targets only when opted in, and says so', () => {
    const optedIn = loadConfig({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', NODE_ENV: 'production' });
    expect(optedIn.webhook.allowPrivateTargets).toBe(true);
    expect(privateTargetsWarning(optedIn)).toMatch(/^WARNING: webhooks may call loopback and private addresses/);
    expect(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'yes' })).toThrow(/WEBHOOK_ALLOW_PRIVATE_TARGETS/);
  });

  it("takes a process's own defaults (npm start's opt-in) under what the environment sets", () => {
    const defaults = { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' };
    expect(loadConfig({}, defaults).webhook.allowPrivateTargets).toBe(true);
    expect(loadConfig({ WEBHOOK_ALLOW_PRIVATE_TARGETS: '' }, defaults).webhook.allowPrivateTargets).toBe(true);
    expect(loadConfig({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false' }, defaults).webhook.allowPrivateTargets).toBe(false);
  });

  it('reads SECRETS_KEY as 32 bytes of base64 or hex, and refuses anything else', () => {
    const key = Buffer.alloc(32, 7);
    expect(loadConfig({ SECRETS_KEY: key.toString('base64') }).secretsKey).toEqual(key);
    expect(loadConfig({ SECRETS_KEY: key.toString('hex') }).secretsKey).toEqual(key);
    expect(loadConfig({}).secretsKey).toBeUndefined();
    for (const bad of ['short', Buffer.alloc(16).toString('base64'), 'z'.repeat(64)]) {
      expect(() => loadConfig({ SECRETS_KEY: bad })).toThrow(/SECRETS_KEY/);
    }
  });

  it('requires external services for the separate production processes', () => {
    expect(() => requireExternal(loadConfig({}), ['DATABASE_URL', 'SMTP_URL'])).toThrow(/DATABASE_URL[\s\S]*SMTP_URL/);
    const config = loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/pw', TEMPORAL_ADDRESS: 'temporal:7233' });
    expect(() => requireExternal(config, ['DATABASE_URL', 'TEMPORAL_ADDRESS'])).not.toThrow();
  });
});

describe('roles', () => {
  it.each([
    ['super_admin', 'admin', true],
    ['workflow_editor', 'configure', true],
    ['workflow_editor', 'ingest', false],
    ['integration', 'ingest', true],
    ['integration', 'configure', false],
    ['viewer', 'read', true],
    ['viewer', 'configure', false],
  ] as const)('%s may %s: %s', (role, permission, allowed) => {
    expect(roleAllows(role, [permission])).toBe(allowed);
  });
});
