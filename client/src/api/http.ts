/**
 * The one fetch wrapper: JSON in and out, the bearer token, and every failure turned into a
 * {@link ClientError} with a stable code (`{error: {code, message}}` from the server; network
 * failures become ERR_UNAVAILABLE with status 0).
 */
import { isErrorCode } from '@protocol/errors';
import { ClientError } from './errors';

type TokenSource = () => string | null;

let tokenSource: TokenSource = () => null;
let onUnauthenticated: () => void = () => undefined;

/** Set once by the auth store: where the token comes from and what a 401 means. */
export function configureHttp(options: { token: TokenSource; onUnauthenticated: () => void }): void {
  tokenSource = options.token;
  onUnauthenticated = options.onUnauthenticated;
}

/** The bearer token now, for the few requests `request` cannot make (an upload with progress). */
export function authToken(): string | null {
  return tokenSource();
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Calls the API; resolves with the parsed body (undefined for 204), rejects with ClientError.
 * `options.text`: the answer is plain text (a file's content), returned as it is.
 */
export async function request<T>(
  method: Method,
  path: string,
  body?: unknown,
  options: { text?: boolean } = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = tokenSource();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ClientError('ERR_UNAVAILABLE', 0, "Can't reach the server.");
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  if (options.text && response.ok) return text as T;
  return parseAnswer<T>(response, text, token);
}

/**
 * Downloads `path` (a zip, a bundle, a file) with the bearer token, as a Blob and the file name
 * the server's Content-Disposition gives; failures as for `request`.
 */
export async function requestBlob(path: string): Promise<{ blob: Blob; filename: string | null }> {
  const token = tokenSource();
  let response: Response;
  try {
    response = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  } catch {
    throw new ClientError('ERR_UNAVAILABLE', 0, "Can't reach the server.");
  }
  if (!response.ok) return parseAnswer(response, await response.text(), token);
  let blob: Blob;
  try {
    blob = await response.blob();
  } catch {
    throw new ClientError('ERR_UNAVAILABLE', 0, 'The download was cut off. Try again.');
  }
  return { blob, filename: dispositionName(response.headers.get('content-disposition')) };
}

/** The file name in a Content-Disposition header: the UTF-8 `filename*` form first. */
export function dispositionName(header: string | null): string | null {
  if (!header) return null;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1]!.trim());
    } catch {
      // fall through to the plain form
    }
  }
  return /filename="([^"]*)"/i.exec(header)?.[1] ?? null;
}

/** The answer of an API call: its JSON on success, else the ClientError it carries. */
function parseAnswer<T>(response: Response, text: string, token: string | null): T {
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (response.ok) return data as T;
  const error = (data as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)
    ?.error;
  const code = isErrorCode(error?.code)
    ? error.code
    : response.status === 401
      ? 'ERR_UNAUTHENTICATED'
      : response.status >= 500
        ? response.status === 503 || response.status === 502
          ? 'ERR_UNAVAILABLE'
          : 'ERR_INTERNAL'
        : 'ERR_BAD_REQUEST';
  // A rejected token ends the sign-in; bad credentials on the login form do not.
  if (code === 'ERR_UNAUTHENTICATED' && token) onUnauthenticated();
  throw new ClientError(
    code,
    response.status,
    typeof error?.message === 'string' ? error.message : response.statusText,
    error?.details,
  );
}
