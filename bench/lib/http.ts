import http from 'node:http';

export interface JsonResponse {
  status: number;
  body: unknown;
  /** Wall-clock time when the response ended (ms since the epoch). */
  at: number;
  /** From sending the request to the end of the response, in ms. */
  ms: number;
}

/**
 * A small JSON client over keep-alive connections, as a real integration would use: at most `connections` sockets,
 * so concurrency above that queues in the client rather than opening more.
 */
export class JsonClient {
  private readonly agent: http.Agent;

  constructor(
    readonly baseUrl: string,
    private readonly headers: Record<string, string> = {},
    connections = 64,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  }

  request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request(
        new URL(path, this.baseUrl),
        {
          method,
          agent: this.agent,
          headers: {
            ...this.headers,
            ...headers,
            ...(payload === undefined
              ? {}
              : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: res.statusCode ?? 0,
              body: text.length > 0 && /json/.test(res.headers['content-type'] ?? '') ? JSON.parse(text) : text,
              at: Date.now(),
              ms: performance.now() - started,
            });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Like `request`, but throws unless the status is `expected`. */
  async expect(expected: number, method: string, path: string, body?: unknown): Promise<JsonResponse> {
    const res = await this.request(method, path, body);
    if (res.status !== expected) {
      throw new Error(`${method} ${path}: expected ${expected}, got ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res;
  }

  close(): void {
    this.agent.destroy();
  }
}
