import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { loadConfig } from '../../src/config';
import { createPool } from '../../src/db/pool';
import { createLogger } from '../../src/log';
import { createMailer } from '../../src/mail/mailer';
import { startWorkerRuntime, workerSettings } from '../../src/runtime';
import { lazyTemporalClient, withDeadline } from '../../src/temporal/client';

const SERVER_NAME = 'temporal.internal';

/** A CA, a server certificate for SERVER_NAME and a client certificate it signed, made with openssl in `dir`. */
async function makeCertificates(dir: string): Promise<void> {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=test-ca',
  );
  await writeFile(path.join(dir, 'server.ext'), `subjectAltName=DNS:${SERVER_NAME}\nextendedKeyUsage=serverAuth\n`);
  await writeFile(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${who}.key`,
      '-out',
      `${who}.csr`,
      '-subj',
      `/CN=${who}`,
    );
    openssl(
      'x509',
      '-req',
      '-in',
      `${who}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${who}.pem`,
      '-days',
      '2',
      '-extfile',
      `${who}.ext`,
    );
  }
}

interface Handshake {
  /** The common name of the certificate the client presented. */
  clientCertificate?: string | string[];
  /** The server name the client asked for (SNI). */
  serverName?: string | false | null;
  error?: string;
}

/**
 * Stands where Temporal's frontend would, with mTLS required (a client certificate signed by the CA), and records
 * each handshake: who presented which certificate for which server name. It speaks no gRPC, so every call fails
 * after the handshake; what matters is that the handshake was TLS, with Pipewright's certificate.
 */
async function startMtlsProbe(dir: string) {
  const handshakes: Handshake[] = [];
  const server = tls.createServer(
    {
      key: await readFile(path.join(dir, 'server.key')),
      cert: await readFile(path.join(dir, 'server.pem')),
      ca: [await readFile(path.join(dir, 'ca.pem'))],
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    },
    (socket) => {
      handshakes.push({ clientCertificate: socket.getPeerCertificate().subject?.CN, serverName: socket.servername });
      socket.destroy();
    },
  );
  server.on('tlsClientError', (error) => handshakes.push({ error: error.message }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    handshakes,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** TEMPORAL_TLS_*: the API's client and the worker's connection speak mTLS to Temporal with the configured files. */
describe('Temporal over mTLS', () => {
  let dir: string;
  let probe: Awaited<ReturnType<typeof startMtlsProbe>>;
  const env = () => ({
    TEMPORAL_ADDRESS: probe.address,
    TEMPORAL_TLS_CERT: path.join(dir, 'client.pem'),
    TEMPORAL_TLS_KEY: path.join(dir, 'client.key'),
    TEMPORAL_TLS_CA: path.join(dir, 'ca.pem'),
    TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
  });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pipewright-tls-'));
    await makeCertificates(dir);
    probe = await startMtlsProbe(dir);
  });
  afterAll(async () => {
    await probe.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('connects the API’s client with the client certificate, verifying the server as TEMPORAL_TLS_SERVER_NAME', async () => {
    const config = loadConfig(env());
    const client = lazyTemporalClient({ address: probe.address, namespace: 'default', tls: config.temporal.tls });
    await expect(withDeadline(client, 3_000, () => client.connection.ensureConnected())).rejects.toThrow();
    await client.connection.close();
    expect(probe.handshakes.length).toBeGreaterThan(0);
    expect(probe.handshakes[0]).toEqual({ clientCertificate: 'client', serverName: SERVER_NAME });
    probe.handshakes.length = 0;
  });

  it('connects the worker with the client certificate, verifying the server as TEMPORAL_TLS_SERVER_NAME', async () => {
    const config = loadConfig(env());
    const pool = createPool('postgres://pipewright@127.0.0.1:1/unused', () => undefined);
    const mailer = createMailer('smtp://127.0.0.1:1');
    try {
      await expect(
        startWorkerRuntime({
          ...workerSettings(config),
          address: probe.address,
          pool,
          mailer,
          log: createLogger('silent'),
        }),
      ).rejects.toThrow();
    } finally {
      mailer.close();
      await pool.end();
    }
    expect(probe.handshakes.length).toBeGreaterThan(0);
    expect(probe.handshakes[0]).toEqual({ clientCertificate: 'client', serverName: SERVER_NAME });
  });
});
