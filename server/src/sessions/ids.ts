/**
 * Identifiers. Session ids are URL- and file-name-safe (`[a-z0-9-]`, ≤ 64) because they name a git
 * repo and appear in clone URLs. A file document's id embeds its session id, so access checks
 * on a document id need no lookup, and a non-member learns nothing about whether it exists.
 */
import { randomBytes } from 'node:crypto';

export {
  COLLECTION_FILES,
  COLLECTION_SESSIONS,
  FILE_ID_RE,
  fileDocId,
  isSessionId,
  sessionOfDoc,
} from '../protocol/doc-ids.js';

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
