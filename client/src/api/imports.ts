/**
 * Bringing files into a session: a zip to `POST /api/sessions/:id/import` (files and folders
 * dropped or picked are zipped in the browser first: one transport for everything, and the server
 * applies it as one version). Sent with XMLHttpRequest, the one browser API that reports upload
 * progress. A clash is ERR_PATH_EXISTS (409) with `details.paths`, nothing written; the same zip
 * is then sent again with `onConflict`.
 */
import { isErrorCode } from '@protocol/errors';
import { ClientError } from './errors';
import { authToken } from './http';
import type { SessionFile } from './sessions';

export type OnConflict = 'skip' | 'replace' | 'keep-both';

export interface ImportResult {
  sha: string | null;
  files: SessionFile[];
  ignored: string[];
  skipped: string[];
  renamed: Array<{ from: string; to: string }>;
}

/** Sends `zip` for import into folder `into` ('' for the top); `onProgress(sent, total)` as it uploads. */
export function importZip(
  sessionId: string,
  zip: Blob,
  opts: { onConflict?: OnConflict; into?: string; onProgress?: (sent: number, total: number) => void },
): Promise<ImportResult> {
  const query = new URLSearchParams();
  if (opts.onConflict) query.set('onConflict', opts.onConflict);
  if (opts.into) query.set('into', opts.into);
  return upload(sessionId, zip, 'application/zip', query, opts.onProgress);
}

/**
 * Sends a git bundle to start an EMPTY session with its HEAD's files (not its history; a session
 * that has files or versions answers ERR_CONFLICT). `name` (the file's) is said in the version.
 */
export function importBundle(
  sessionId: string,
  bundle: Blob,
  opts: { name?: string; onProgress?: (sent: number, total: number) => void },
): Promise<ImportResult> {
  const query = new URLSearchParams();
  if (opts.name) query.set('name', opts.name);
  return upload(sessionId, bundle, 'application/x-git-bundle', query, opts.onProgress);
}

function upload(
  sessionId: string,
  body: Blob,
  type: string,
  query: URLSearchParams,
  onProgress: ((sent: number, total: number) => void) | undefined,
): Promise<ImportResult> {
  const url = `/api/sessions/${encodeURIComponent(sessionId)}/import${query.size ? `?${query}` : ''}`;
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('Content-Type', type);
    xhr.setRequestHeader('Accept', 'application/json');
    const token = authToken();
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (e) => onProgress?.(e.loaded, e.lengthComputable ? e.total : body.size);
    xhr.onerror = () => reject(new ClientError('ERR_UNAVAILABLE', 0, "Can't reach the server."));
    xhr.onload = () => {
      let data: unknown;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        data = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(data as ImportResult);
      const error = (data as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)
        ?.error;
      reject(
        new ClientError(
          isErrorCode(error?.code) ? error.code : 'ERR_INTERNAL',
          xhr.status,
          typeof error?.message === 'string' ? error.message : xhr.statusText,
          error?.details,
        ),
      );
    };
    xhr.send(body);
  });
}
