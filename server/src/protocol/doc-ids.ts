/**
 * Document ids, shared by server and client (no Node imports). A file document's id embeds its
 * session id, so access checks on a document id need no lookup, and a non-member learns nothing
 * about whether it exists.
 */
export const COLLECTION_FILES = 'files';
export const COLLECTION_SESSIONS = 'sessions';

export const SESSION_ID_RE = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
export const FILE_ID_RE = /^[a-z0-9]{1,32}$/;

export function fileDocId(sessionId: string, fileId: string): string {
  return `${sessionId}.${fileId}`;
}

/** The session a ShareDB document belongs to, or null for an id no session can own. */
export function sessionOfDoc(collection: string, docId: unknown): string | null {
  if (typeof docId !== 'string') return null;
  if (collection === COLLECTION_SESSIONS) return SESSION_ID_RE.test(docId) ? docId : null;
  if (collection === COLLECTION_FILES) {
    const dot = docId.indexOf('.');
    if (dot < 0) return null;
    const sessionId = docId.slice(0, dot);
    return SESSION_ID_RE.test(sessionId) && FILE_ID_RE.test(docId.slice(dot + 1)) ? sessionId : null;
  }
  return null;
}
