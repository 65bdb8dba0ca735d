import { Client, Connection, type TLSConfig } from '@temporalio/client';

/** Where a Temporal client connects: TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE, over TLS when `tls` is set. */
export interface TemporalTarget {
  address: string;
  namespace: string;
  /** TLS options (mTLS with a client certificate), from TEMPORAL_TLS_* (`Config['temporal']['tls']`). */
  tls?: TLSConfig;
}

/** Connects a Temporal client. Fails if the server cannot be reached. */
export async function connectTemporal(options: TemporalTarget): Promise<Client> {
  const connection = await Connection.connect({ address: options.address, tls: options.tls });
  return new Client({ connection, namespace: options.namespace });
}

/**
 * A client whose connection is made on first use, so that a process can start (and accept events) while Temporal
 * is unreachable; calls fail until it comes back.
 */
export function lazyTemporalClient(options: TemporalTarget): Client {
  return new Client({
    connection: Connection.lazy({ address: options.address, tls: options.tls }),
    namespace: options.namespace,
  });
}

/**
 * Runs a Temporal call with a deadline, so that an unreachable server fails the call instead of holding the
 * caller (an HTTP request, a relay batch) until it comes back.
 */
export function withDeadline<T>(client: Client, timeoutMs: number, call: () => Promise<T>): Promise<T> {
  return client.connection.withDeadline(Date.now() + timeoutMs, call);
}
