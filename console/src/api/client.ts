/** The console's only way to the ledger: the public /v1 API, with the signed-in caller's credentials. */

export interface FieldError {
  readonly field: string;
  readonly reason: string;
}

/** A problem+json answer (or a network failure, code NETWORK). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors: readonly FieldError[] = [],
  ) {
    super(detail);
  }
}

let credentials: () => Record<string, string> = () => ({});
let onUnauthenticated: () => void = () => undefined;

export const useCredentials = (headers: () => Record<string, string>, expired: () => void): void => {
  credentials = headers;
  onUnauthenticated = expired;
};

const problemOf = async (res: Response): Promise<ApiError> => {
  try {
    const body = (await res.json()) as { code?: string; detail?: string; errors?: FieldError[] };
    return new ApiError(res.status, body.code ?? `HTTP_${res.status}`, body.detail ?? res.statusText, body.errors ?? []);
  } catch {
    return new ApiError(res.status, `HTTP_${res.status}`, res.statusText);
  }
};

const send = async (
  method: string,
  path: string,
  body?: unknown,
  accept = 'application/json',
  headers: Record<string, string> = credentials(),
): Promise<Response> => {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { Accept: accept, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new ApiError(0, 'NETWORK', error instanceof Error ? error.message : String(error));
  }
  if (res.status === 401) onUnauthenticated();
  if (!res.ok) throw await problemOf(res);
  return res;
};

export const get = async <T>(
  path: string,
  query: Record<string, string | number | undefined> = {},
  headers?: Record<string, string>,
): Promise<T> => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return (await (await send('GET', qs ? `${path}?${qs}` : path, undefined, 'application/json', headers)).json()) as T;
};

export const post = async <T>(path: string, body: unknown, key?: string): Promise<T> =>
  (await (
    await send('POST', path, body, 'application/json', { ...credentials(), ...(key ? { 'Idempotency-Key': key } : {}) })
  ).json()) as T;

/** Fetches a file with the caller's credentials and hands it to the browser as a download. */
export const download = async (path: string, filename: string): Promise<void> => {
  const blob = await (await send('GET', path, undefined, 'text/csv')).blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
};

/** A page of a /v1 list endpoint. */
export interface Page<T> {
  readonly items: T[];
  readonly page: number;
  readonly pageSize: number;
  readonly total: number;
}

export const enc = encodeURIComponent;

/**
 * Read-your-writes: waits (up to a few seconds) until every read model of the node has
 * reached a command's log position, as /health reports them, so the lists read next show it.
 */
export const settled = async (position: string, timeoutMs = 5000): Promise<void> => {
  const target = BigInt(position);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const health = (await (await fetch('/health')).json()) as { projections?: { position: string }[] };
      if ((health.projections ?? []).every((p) => BigInt(p.position) >= target)) return;
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
};

/** A command (POST) whose effect the views read next must show. */
export const command = async <T extends { position?: string }>(path: string, body: unknown, key?: string): Promise<T> => {
  const answer = await post<T>(path, body, key);
  if (typeof answer.position === 'string') await settled(answer.position);
  return answer;
};
