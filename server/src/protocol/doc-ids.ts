/**
 * Document ids, shared by server and client (no Node imports). A file document's id embeds its
 * session id, so access checks on a document id need no lookup, and a non-member learns nothing
 * about whether it exists.
 */
export const COLLECTION_FILES = 'files';
export const COLLECTION_SESSIONS = 'sessions';

/**
 * A session id: 1 to 64 of `[a-z0-9-]`, not starting or ending with `-`. It names a git repo
 * directory and appears in clone URLs, so it must be URL- and file-name-safe. The one copy of the
 * rule: check ids with `isSessionId`.
 */
export const SESSION_ID_RE = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
export const FILE_ID_RE = /^[a-z0-9]{1,32}$/;

/** Whether `id` is a well-formed session id (see SESSION_ID_RE). */
export function isSessionId(id: unknown): id is string {
  return typeof id === 'string' && SESSION_ID_RE.test(id);
}

export function fileDocId(sessionId: string, fileId: string): string {
  return `${sessionId}.${fileId}`;
}

/** The session a ShareDB document belongs to, or null for an id no session can own. */
export function sessionOfDoc(collection: string, docId: unknown): string | null {
  if (typeof docId !== 'string') return null;
  if (collection === COLLECTION_SESSIONS) return isSessionId(docId) ? docId : null;
  if (collection === COLLECTION_FILES) {
    const dot = docId.indexOf('.');
    if (dot < 0) return null;
    const sessionId = docId.slice(0, dot);
    return isSessionId(sessionId) && FILE_ID_RE.test(docId.slice(dot + 1)) ? sessionId : null;
  }
  return null;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A random id of `length` characters from [a-z0-9] (≈5.2 bits each; the small bias of `% 36` is
 * negligible at these lengths): file ids, invitation tokens, record ids. Web Crypto, so it runs
 * in Node and in browsers alike.
 */
export function randomId(length: number): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(length));
  let id = '';
  for (let i = 0; i < length; i++) id += ALPHABET[bytes[i]! % ALPHABET.length];
  return id;
}
