import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookDelivery {
  /** The `Idempotency-Key` header: `<enrollmentId>:<actionId>`, the same on every retry. */
  key: string | undefined;
  body: string;
}

/**
 * A loopback webhook target that behaves as a careful receiver does: it keeps every delivery, and applies each
 * `Idempotency-Key` once (`effects`).
 */
export interface WebhookReceiver {
  url: string;
  deliveries: readonly WebhookDelivery[];
  effects: ReadonlySet<string>;
  stop(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const deliveries: WebhookDelivery[] = [];
  const effects = new Set<string>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const key = req.headers['idempotency-key'];
      const delivery = { key: Array.isArray(key) ? key[0] : key, body: Buffer.concat(chunks).toString('utf8') };
      deliveries.push(delivery);
      if (delivery.key) effects.add(delivery.key);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    deliveries,
    effects,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
