/**
 * Identifiers. Session ids are URL- and file-name-safe (`[a-z0-9-]`, ≤ 64) because they name a git
 * repo and appear in clone URLs. A file document's id embeds its session id, so access checks
 * on a document id need no lookup, and a non-member learns nothing about whether it exists.
 */
export {
  COLLECTION_FILES,
  COLLECTION_SESSIONS,
  FILE_ID_RE,
  fileDocId,
  isSessionId,
  randomId,
  sessionOfDoc,
} from '../protocol/doc-ids.js';

import { randomId } from '../protocol/doc-ids.js';

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
