import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

const failure = (env: NodeJS.ProcessEnv): string => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('loadConfig accepted it');
};

describe('ADMIN_TOKEN', () => {
  it.each([
    ['the placeholder docker-compose.yml used to ship', 'change-me-to-a-long-random-secret'],
    ['any other change-me', 'please-CHANGEME-0123456789'],
    ['a replace-me', 'replace_me_with_a_real_secret'],
    ['a placeholder', 'placeholder-admin-token-000'],
  ])('refuses %s, naming the variable', (_what, secret) => {
    expect(failure({ ADMIN_TOKEN: secret })).toMatch(/ADMIN_TOKEN: is a placeholder, not a secret/);
  });

  it('refuses one shorter than 16 characters, naming the variable', () => {
    expect(failure({ ADMIN_TOKEN: 'short-secret' })).toMatch(/ADMIN_TOKEN: use at least 16 characters/);
  });

  it('takes a random secret as it is', () => {
    const secret = 'f3a9c2e87b1d4065a9e2c7b3d8f10e4a';
    expect(loadConfig({ ADMIN_TOKEN: secret }).adminToken).toBe(secret);
  });
});

describe('TEMPORAL_TLS_*', () => {
  let dir: string;
  const file = (name: string, text: string): string => {
    const at = path.join(dir, name);
    writeFileSync(at, text);
    return at;
  };
  const pem = (label: string) => `-----BEGIN ${label}-----\nMIIB${label.length}\n-----END ${label}-----\n`;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pipewright-tls-config-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves the connection plain when none is set', () => {
    expect(loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233' }).temporal.tls).toBeUndefined();
  });

  it('reads the client certificate, its key and the CA, and takes the server name', () => {
    const files = { cert: pem('CERTIFICATE'), key: pem('PRIVATE KEY'), ca: pem('CERTIFICATE') + '\n' };
    const { tls } = loadConfig({
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_TLS_CERT: file('client.pem', files.cert),
      TEMPORAL_TLS_KEY: file('client.key', files.key),
      TEMPORAL_TLS_CA: file('ca.pem', files.ca),
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    }).temporal;
    expect(tls).toEqual({
      clientCertPair: { crt: Buffer.from(files.cert), key: Buffer.from(files.key) },
      serverRootCACertificate: Buffer.from(files.ca),
      serverNameOverride: 'temporal.internal',
    });
  });

  it('turns TLS on without a client certificate when only the CA or the server name is set', () => {
    const ca = file('only-ca.pem', pem('CERTIFICATE'));
    expect(loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_TLS_CA: ca }).temporal.tls).toEqual({
      serverRootCACertificate: Buffer.from(pem('CERTIFICATE')),
    });
    expect(
      loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' }).temporal.tls,
    ).toEqual({ serverNameOverride: 'temporal.internal' });
  });

  it('refuses a certificate without its key, naming the missing variable', () => {
    const cert = file('lonely.pem', pem('CERTIFICATE'));
    expect(failure({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_TLS_CERT: cert })).toMatch(
      /TEMPORAL_TLS_KEY: set the client certificate and its key together/,
    );
  });

  it('refuses a file it cannot read, or one that is not PEM, naming the variable and the file', () => {
    const missing = path.join(dir, 'nowhere.pem');
    expect(failure({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_TLS_CA: missing })).toContain(
      `TEMPORAL_TLS_CA: cannot read ${missing} (ENOENT)`,
    );
    const der = file('ca.der', 'not a certificate');
    expect(failure({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_TLS_CA: der })).toContain(
      `TEMPORAL_TLS_CA: ${der} is not a PEM file`,
    );
  });

  it('refuses TLS settings without TEMPORAL_ADDRESS: the embedded dev server has no TLS', () => {
    expect(failure({ TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' })).toMatch(/only with TEMPORAL_ADDRESS/);
  });
});
