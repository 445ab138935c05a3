/**
 * Identifiers. Session ids are URL- and file-name-safe (`[a-z0-9-]`, ≤ 64) because they name a git
 * repo and appear in clone URLs. A file document's id embeds its session id, so access checks
 * on a document id need no lookup, and a non-member learns nothing about whether it exists.
 */
import { randomBytes } from 'node:crypto';

export const COLLECTION_FILES = 'files';
export const COLLECTION_SESSIONS = 'sessions';

export const SESSION_ID_RE = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
export const FILE_ID_RE = /^[a-z0-9]{1,32}$/;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A random id of `length` characters from [a-z0-9] (≈5.2 bits each). */
export function randomId(length: number): string {
  const bytes = randomBytes(length);
  let id = '';
  for (let i = 0; i < length; i++) id += ALPHABET[bytes[i]! % ALPHABET.length];
  return id;
}

/** A session id: a readable slug of the name plus a random suffix, e.g. `team-notes-k3j9x2m1`. */
export function newSessionId(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug ? `${slug}-${randomId(10)}` : randomId(12);
}

export const newFileId = () => randomId(12);

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
