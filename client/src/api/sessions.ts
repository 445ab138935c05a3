/**
 * Sessions, their files and folders. A file path with `/` makes the folders on its way; a folder
 * made on its own (kept while empty) is in the manifest's `folders`.
 */

import { COLLECTION_FILES, fileDocId, isSessionId } from '@protocol/doc-ids';
import { checkPath } from '@protocol/paths';
import type { Role } from '@protocol/roles';
import { ClientError } from './errors';
import { request } from './http';

export interface SessionSummary {
  id: string;
  name: string;
  role: Role;
  createdAt: number | string;
}

export interface Member {
  username: string;
  displayName: string;
  role: Role;
}

/** Where a file's text lives: a ShareDB document. */
export interface DocRef {
  collection: string;
  id: string;
}

export interface SessionFile {
  id: string;
  path: string;
  language: string | null;
  /** Where its text lives; a binary file (`blob` set) has no document. */
  doc: DocRef;
  /** A binary file's git blob: shown as a preview or a download, never as text. */
  blob?: { oid: string; size: number };
}

export interface SessionDetail {
  id: string;
  name: string;
  role: Role;
  members: Member[];
  files: SessionFile[];
  /** Kept folders (empty ones too); absent from older servers. */
  folders?: string[];
}

/**
 * The ShareDB document of a file. The REST API returns it with each file; the live manifest does
 * not, so files that appear there get it from the server's own rule (protocol/doc-ids.ts).
 */
export function fileDocRef(sessionId: string, fileId: string): DocRef {
  return { collection: COLLECTION_FILES, id: fileDocId(sessionId, fileId) };
}

/**
 * The session manifest document: `{name, files: {<fileId>: {path, language}}, folders?: {<path>: {}}}`,
 * edited only by the server. `folders` (absent in older sessions) holds folders people made, which
 * stay while empty.
 */
export interface Manifest {
  name: string;
  files: Record<string, { path: string; language: string | null; blob?: { oid: string; size: number } }>;
  folders?: Record<string, Record<string, never>>;
}

export const MANIFEST_COLLECTION = 'sessions';

const base = (sessionId: string) => `/api/sessions/${encodeURIComponent(sessionId)}`;

export const sessionsApi = {
  list: () => request<{ sessions: SessionSummary[] }>('GET', '/api/sessions'),
  create: (name: string) => request<SessionSummary>('POST', '/api/sessions', { name }),
  /** A malformed id (a mistyped URL) is not asked about: no session can have it. */
  get: async (sessionId: string) => {
    if (!isSessionId(sessionId)) throw new ClientError('ERR_SESSION_NOT_FOUND', 404, 'Session not found.');
    return request<SessionDetail>('GET', base(sessionId));
  },
  /** Deletes a session (owners only). */
  remove: (sessionId: string) => request<void>('DELETE', base(sessionId)),
};

/**
 * `path` as the server will store it (NFC), or a ClientError ERR_INVALID_PATH with the server's
 * own reason (protocol/paths.ts), thrown before anything is sent.
 */
function checkedPath(path: string): string {
  const checked = checkPath(path);
  if (!checked.ok) throw new ClientError('ERR_INVALID_PATH', 0, checked.reason);
  return checked.path;
}

export const filesApi = {
  create: async (sessionId: string, path: string, content?: string) => {
    const p = checkedPath(path);
    return request<SessionFile>(
      'POST',
      `${base(sessionId)}/files`,
      content === undefined ? { path: p } : { path: p, content },
    );
  },
  rename: async (sessionId: string, fileId: string, path: string) =>
    request<SessionFile>('PATCH', `${base(sessionId)}/files/${encodeURIComponent(fileId)}`, {
      path: checkedPath(path),
    }),
  remove: (sessionId: string, fileId: string) =>
    request<void>('DELETE', `${base(sessionId)}/files/${encodeURIComponent(fileId)}`),
  /**
   * Brings a deleted file back at `path`: from `content` (a local copy) when given, else from
   * version `sha`, else from the newest version holding the path.
   */
  restore: (sessionId: string, input: { path: string; content?: string; sha?: string }) =>
    request<SessionFile & { sha: string | null }>('POST', `${base(sessionId)}/files/restore`, input),
};

export const foldersApi = {
  /** Makes a folder that stays while empty (its parents come with it). */
  create: async (sessionId: string, path: string) =>
    request<{ path: string }>('POST', `${base(sessionId)}/folders`, { path: checkedPath(path) }),
  /**
   * Moves a folder and everything under it, as one change and one version; the server refuses a
   * clash with nothing moved (ERR_PATH_EXISTS).
   */
  move: async (sessionId: string, from: string, to: string) =>
    request<{ from: string; to: string; files: SessionFile[]; sha: string | null }>(
      'POST',
      `${base(sessionId)}/folders/move`,
      { from, to: checkedPath(to) },
    ),
  /** Forgets a folder (and folders under it); its files are deleted one by one first. */
  remove: (sessionId: string, path: string) =>
    request<void>(
      'DELETE',
      `${base(sessionId)}/folders/${path.split('/').map(encodeURIComponent).join('/')}`,
    ),
};
