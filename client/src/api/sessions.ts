/** Sessions and their files. Folders are implicit: a file path with `/` creates them. */

import { COLLECTION_FILES, fileDocId } from '@protocol/doc-ids';
import type { Role } from '@protocol/roles';
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
  doc: DocRef;
}

export interface SessionDetail {
  id: string;
  name: string;
  role: Role;
  members: Member[];
  files: SessionFile[];
}

/**
 * The ShareDB document of a file. The REST API returns it with each file; the live manifest does
 * not, so files that appear there get it from the server's own rule (protocol/doc-ids.ts).
 */
export function fileDocRef(sessionId: string, fileId: string): DocRef {
  return { collection: COLLECTION_FILES, id: fileDocId(sessionId, fileId) };
}

/** The session manifest document: `{name, files: {<fileId>: {path, language}}}`, edited only by the server. */
export interface Manifest {
  name: string;
  files: Record<string, { path: string; language: string | null }>;
}

export const MANIFEST_COLLECTION = 'sessions';

const base = (sessionId: string) => `/api/sessions/${encodeURIComponent(sessionId)}`;

export const sessionsApi = {
  list: () => request<{ sessions: SessionSummary[] }>('GET', '/api/sessions'),
  create: (name: string) => request<SessionSummary>('POST', '/api/sessions', { name }),
  get: (sessionId: string) => request<SessionDetail>('GET', base(sessionId)),
};

export const filesApi = {
  create: (sessionId: string, path: string, content?: string) =>
    request<SessionFile>(
      'POST',
      `${base(sessionId)}/files`,
      content === undefined ? { path } : { path, content },
    ),
  rename: (sessionId: string, fileId: string, path: string) =>
    request<SessionFile>('PATCH', `${base(sessionId)}/files/${encodeURIComponent(fileId)}`, { path }),
  remove: (sessionId: string, fileId: string) =>
    request<void>('DELETE', `${base(sessionId)}/files/${encodeURIComponent(fileId)}`),
  /**
   * Brings a deleted file back at `path`: from `content` (a local copy) when given, else from
   * version `sha`, else from the newest version holding the path.
   */
  restore: (sessionId: string, input: { path: string; content?: string; sha?: string }) =>
    request<SessionFile & { sha: string | null }>('POST', `${base(sessionId)}/files/restore`, input),
};
