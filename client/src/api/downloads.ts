/**
 * Taking a session out: a version or the live state as a zip, one file, the history as a git
 * bundle. Each resolves with the bytes and the server's file name (see components/common/save-download.ts).
 */
import { requestBlob } from './http';

const base = (sessionId: string) => `/api/sessions/${encodeURIComponent(sessionId)}`;

export const downloadsApi = {
  /** Exactly what `git archive --format=zip <sha>` makes. */
  versionZip: (sessionId: string, sha: string) =>
    requestBlob(`${base(sessionId)}/versions/${encodeURIComponent(sha)}/archive.zip`),
  /** The live text, typing not yet in a version included, and empty folders. */
  liveZip: (sessionId: string) => requestBlob(`${base(sessionId)}/archive.zip`),
  file: (sessionId: string, fileId: string) =>
    requestBlob(`${base(sessionId)}/files/${encodeURIComponent(fileId)}/raw`),
  /** `git clone <file>` makes a repository of it. */
  bundle: (sessionId: string) => requestBlob(`${base(sessionId)}/bundle`),
};
