import path from 'node:path';
import { ConfigError, loadConfig, requireExternal } from '../../src/config';
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
