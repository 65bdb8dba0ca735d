import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadConfig, requireExternal } from '../../src/config';

interface Service {
  command?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
}

const TEXT = readFileSync(path.join(__dirname, '../../docker-compose.yml'), 'utf8');
const services = (parse(TEXT, { merge: true }) as { services: Record<string, Service> }).services;

/** Docker Compose's interpolation: `${NAME}`, `${NAME:-default}`, `${NAME:?error}`; `$$` is a literal `$`. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\{(\w+)(?::([-?])([^}]*))?\}/g, (match, name: string, op?: string, arg?: string) => {
    if (match === '$$') return '$';
    const value = env[name];
    if (value) return value;
    if (op === '?') throw new Error(`required variable ${name} is missing a value: ${arg}`);
    return op === '-' ? arg! : '';
  });
}

const environmentOf = (service: Service, env: Record<string, string>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([name, value]) => [name, interpolate(String(value), env)]),
  );

/** `[host_ip:]published:target` of each published port. */
const published = (service: Service) =>
  (service.ports ?? []).map((spec) => {
    const parts = spec.split(':');
    return { hostIp: parts.length === 3 ? parts[0] : '0.0.0.0', published: parts.at(-2), target: parts.at(-1) };
  });

/** docker-compose.yml (docs/operations.md, "In containers"): what it publishes and what it asks of the operator. */
describe('docker-compose.yml', () => {
  it('publishes only the two APIs on every interface, the UIs on loopback, and Temporal’s gRPC not at all', () => {
    const onTheNetwork = Object.entries(services).flatMap(([name, service]) =>
      published(service)
        .filter((port) => port.hostIp !== '127.0.0.1')
        .map((port) => `${name} ${port.published}`),
    );
    expect(onTheNetwork.sort()).toEqual(['api-1 3000', 'api-2 3001']);
    expect(published(services['temporal-ui']!)).toEqual([{ hostIp: '127.0.0.1', published: '8080', target: '8080' }]);
    expect(published(services.mailpit!)).toEqual([{ hostIp: '127.0.0.1', published: '8025', target: '8025' }]);
    const grpc = Object.values(services).flatMap((service) =>
      published(service).filter((port) => port.target === '7233'),
    );
    expect(grpc).toEqual([]);
  });

  /** 32 bytes, base64: what `openssl rand -base64 32` prints. */
  const SECRETS_KEY = Buffer.alloc(32, 7).toString('base64');

  it('takes ADMIN_TOKEN from the environment and refuses to start without it', () => {
    const api = Object.entries(services).filter(([, service]) => service.environment?.ADMIN_TOKEN !== undefined);
    expect(api.map(([name]) => name).sort()).toEqual(['api-1', 'api-2']);
    for (const [, service] of api) {
      expect(service.environment!.ADMIN_TOKEN).toMatch(/^\$\{ADMIN_TOKEN:\?[^}]+\}$/);
      expect(() => environmentOf(service, { SECRETS_KEY: SECRETS_KEY })).toThrow(/ADMIN_TOKEN.*long random secret/);
    }
    expect(TEXT).toContain(
      'ADMIN_TOKEN=$(openssl rand -hex 32) SECRETS_KEY=$(openssl rand -base64 32) docker compose up',
    );
  });

  it('gives every API and worker the same SECRETS_KEY from the environment and refuses to start without it', () => {
    const pipewright = Object.values(services).filter((service) => service.command?.[0] === 'node');
    expect(pipewright).toHaveLength(4);
    for (const service of pipewright) {
      expect(service.environment!.SECRETS_KEY).toMatch(/^\$\{SECRETS_KEY:\?[^}]+\}$/);
      expect(() => environmentOf(service, { ADMIN_TOKEN: 'a'.repeat(64) })).toThrow(/SECRETS_KEY.*32 random bytes/);
      expect(environmentOf(service, { ADMIN_TOKEN: 'a'.repeat(64), SECRETS_KEY }).SECRETS_KEY).toBe(SECRETS_KEY);
    }
  });

  it('writes no password of its own: every PostgreSQL password is POSTGRES_PASSWORD', () => {
    const env = { ADMIN_TOKEN: 'a'.repeat(64), SECRETS_KEY, POSTGRES_PASSWORD: 'from-the-environment' };
    const passwords = Object.values(services).flatMap((service) => {
      const environment = environmentOf(service, env);
      return ['POSTGRES_PASSWORD', 'POSTGRES_PWD', 'SQL_PASSWORD']
        .filter((name) => environment[name] !== undefined)
        .map((name) => environment[name])
        .concat(environment.DATABASE_URL ? [new URL(environment.DATABASE_URL).password] : []);
    });
    expect(passwords.length).toBeGreaterThanOrEqual(4);
    expect(new Set(passwords)).toEqual(new Set(['from-the-environment']));
  });

  it('gives each Pipewright process a configuration src/config.ts accepts, with what it needs on its own', () => {
    const env = { ADMIN_TOKEN: 'f3a9c2e87b1d4065a9e2c7b3d8f10e4a', SECRETS_KEY };
    const pipewright = Object.entries(services).filter(([, service]) => service.command?.[0] === 'node');
    expect(pipewright.map(([name]) => name).sort()).toEqual(['api-1', 'api-2', 'worker-1', 'worker-2']);
    for (const [name, service] of pipewright) {
      const config = loadConfig(environmentOf(service, env));
      const worker = service.command!.includes('dist/src/worker.js');
      expect(() =>
        requireExternal(
          config,
          worker ? ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL'] : ['DATABASE_URL', 'TEMPORAL_ADDRESS'],
        ),
      ).not.toThrow();
      expect({ name, nodeEnv: config.nodeEnv }).toEqual({ name, nodeEnv: 'production' });
    }
  });
});
