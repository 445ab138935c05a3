/**
 * Versions of a session (git commits underneath): history, save, a version's files, diffs,
 * revert, tags and comments. Shapes follow docs/api.md "Versions".
 */
import type { RevertDiffers } from '@protocol/events';
import type { Comment, FileDiff, VersionKind } from '@protocol/versions';
import { request, requestBlob } from './http';

export type { CommentAuthor, DiffHunk, DiffLine, FileDiff, FileStatus } from '@protocol/versions';
/** A comment on a version, or on one line of one file in it (protocol/versions.ts). */
export type VersionComment = Comment;

/** A git identity as commits carry it: `Display Name <username@domain>`, or what the person chose. */
export interface Identity {
  name: string;
  email: string;
}

export interface Version {
  sha: string;
  /** The whole description, without trailers. */
  message: string;
  /** Its first line. */
  subject: string;
  author: Identity;
  coAuthors: Identity[];
  /** Author time, ISO 8601. */
  time: string;
  parents: string[];
  /** What made it: an autosave, a named save, a revert… (protocol/versions.ts). */
  kind: VersionKind;
  /** Changes against the first parent; `tooLarge`: files too large to compare (not counted). */
  stats: { files: number; additions: number; deletions: number; tooLarge?: number };
  tags: string[];
  /** How many comments the version has. */
  comments: number;
}

export interface VersionDetail extends Omit<Version, 'tags' | 'comments'> {
  files: { path: string; size: number }[];
}

export interface Tag {
  name: string;
  sha: string;
  message: string;
  time: string;
}

/** What "Save version" and revert answer: a new sha, or `unchanged` (then `sha` is the head, if any). */
export interface SaveResult {
  sha: string | null;
  unchanged?: boolean;
  /** Nothing new since the latest version, an autosave: the message named it instead. */
  named?: boolean;
  /** Revert only: files left unlike the target because people typed in them meanwhile. */
  differs?: RevertDiffers[];
}

/** Which diff to fetch: a version against its parent, against another version, or the live text. */
export interface DiffTarget {
  /** A version's sha, or `live` for the text as it is now. */
  head: string;
  /** Omitted: the head's parent (for `live`, the latest version). */
  base?: string;
}

const base = (sessionId: string) => `/api/sessions/${encodeURIComponent(sessionId)}`;
const version = (sessionId: string, sha: string) => `${base(sessionId)}/versions/${encodeURIComponent(sha)}`;

export const versionsApi = {
  /** `named`: only saves, reverts, imports, pushes and tagged versions. */
  list: (sessionId: string, options: { limit?: number; before?: string; named?: boolean } = {}) => {
    const query = new URLSearchParams();
    if (options.named) query.set('filter', 'named');
    if (options.limit) query.set('limit', String(options.limit));
    if (options.before) query.set('before', options.before);
    const qs = query.toString();
    return request<Version[]>('GET', `${base(sessionId)}/versions${qs ? `?${qs}` : ''}`);
  },
  save: (sessionId: string, message?: string) =>
    request<SaveResult>('POST', `${base(sessionId)}/versions`, message ? { message } : {}),
  get: (sessionId: string, sha: string) => request<VersionDetail>('GET', version(sessionId, sha)),
  /** A file as it was in a version: its text, or `{binary: size}` for a binary file (never shown as text). */
  fileAt: async (sessionId: string, sha: string, path: string): Promise<string | { binary: number }> => {
    const { blob } = await requestBlob(
      `${version(sessionId, sha)}/files/${path.split('/').map(encodeURIComponent).join('/')}`,
    );
    return blob.type.startsWith('application/octet-stream') ? { binary: blob.size } : blob.text();
  },
  diff: (sessionId: string, target: DiffTarget) =>
    request<{ files: FileDiff[] }>(
      'GET',
      `${version(sessionId, target.head)}/diff${target.base ? `?base=${encodeURIComponent(target.base)}` : ''}`,
    ),
  revert: (sessionId: string, sha: string) =>
    request<SaveResult>('POST', `${base(sessionId)}/revert`, { sha }),
  tag: (sessionId: string, sha: string, name: string) =>
    request<Tag>('POST', `${version(sessionId, sha)}/tags`, { name }),
  comments: (sessionId: string, sha: string) =>
    request<{ comments: VersionComment[] }>('GET', `${version(sessionId, sha)}/comments`),
  addComment: (
    sessionId: string,
    sha: string,
    input: { body: string; path?: string; line?: number; parentId?: string },
  ) => request<VersionComment>('POST', `${version(sessionId, sha)}/comments`, input),
  editComment: (sessionId: string, sha: string, commentId: string, body: string) =>
    request<VersionComment>('PATCH', `${version(sessionId, sha)}/comments/${encodeURIComponent(commentId)}`, {
      body,
    }),
  deleteComment: (sessionId: string, sha: string, commentId: string) =>
    request<void>('DELETE', `${version(sessionId, sha)}/comments/${encodeURIComponent(commentId)}`),
  resolve: (sessionId: string, sha: string, commentId: string, resolved: boolean) =>
    request<VersionComment>(
      'POST',
      `${version(sessionId, sha)}/comments/${encodeURIComponent(commentId)}/resolve`,
      { resolved },
    ),
};

/** The 7-character form git shows. */
export const shortSha = (sha: string) => sha.slice(0, 7);
