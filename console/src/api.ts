/** The console's only way to the server: the public HTTP API, with the signed-in token on every request. */

export interface ProblemField {
  path: string;
  message: string;
}

/** An `application/problem+json` answer. */
export interface Problem {
  title: string;
  status: number;
  detail?: string;
  errors?: ProblemField[];
}

/** A request the API refused, or one that never reached it (status 0). */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }

  /**
   * The messages the API gave for a field, e.g. `config.title` matches `config.title` and `body.config.title`.
   * A form shows them beside that field.
   */
  messagesFor(path: string): string[] {
    return (this.problem.errors ?? [])
      .filter((field) => field.path === path || field.path.endsWith(`.${path}`))
      .map((field) => field.message);
  }
}

export interface Api {
  /** Any method, with extra headers (`If-Match`, `Idempotency-Key`). */
  request<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  put<T>(path: string, body?: unknown): Promise<T>;
  patch<T>(path: string, body?: unknown): Promise<T>;
  delete(path: string): Promise<void>;
}

/** Encodes each value for a path segment: `path\`/api/records/${id}\`` is unsafe with an id like `a/b`. */
export function apiPath(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  return strings.reduce(
    (path, part, index) => path + part + (index < values.length ? encodeURIComponent(String(values[index])) : ''),
    '',
  );
}

/** Builds the client for one token; `onUnauthorized` runs when the API answers 401 (the token was deleted). */
export function createApi(token: string, onUnauthorized: () => void): Api {
  async function request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError({ title: 'No answer', status: 0, detail: 'The server did not answer. Is it running?' });
    }
    if (response.status === 401) onUnauthorized();
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const problem = (parsed ?? {}) as Partial<Problem>;
      throw new ApiError({
        title: problem.title ?? response.statusText,
        status: response.status,
        detail: problem.detail,
        errors: problem.errors,
      });
    }
    return parsed as T;
  }
  return {
    request,
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body ?? {}),
    put: (path, body) => request('PUT', path, body ?? {}),
    patch: (path, body) => request('PATCH', path, body ?? {}),
    delete: (path) => request('DELETE', path),
  };
}
