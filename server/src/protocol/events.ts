/**
 * Socket.io event names and payloads beyond ShareDB's own channel. Shared with the client.
 * Requests take an acknowledgement callback answered with `Ack<T>`.
 */
import type { ErrorBody } from './errors.js';
import type { Role } from './roles.js';

export const EVENTS = {
  /** Both ways: one ShareDB message, or (server → client) an array of them. */
  sharedb: 'sharedb',
  /** client → server, ack: `{sessionId}` → `Ack<SessionJoined>` */
  sessionJoin: 'session:join',
  /** client → server, ack optional: `{sessionId}` */
  sessionLeave: 'session:leave',
  /** client → server, ack optional: `{sessionId, fileId | null}`: the file this tab shows */
  sessionFocus: 'session:focus',
  /** server → client: `SessionUsers` whenever who is here, their file or typing state changes */
  sessionUsers: 'session:users',
  /** server → client: `SessionRoleChange` when my role in a session changes */
  sessionRole: 'session:role',
  /**
   * server → client: `SessionRemoval` (`{sessionId, by?, deleted?, name?}`) when I was removed from
   * a session or it was deleted
   */
  sessionRemoved: 'session:removed',
  /** server → client: `SessionEvent`, something changed that panels should refresh */
  sessionEvent: 'session:event',
  /**
   * client → server, ack: `{sessionId, text, nonce?}` → `Ack<{message: ChatMessage}>`. A repeated
   * `nonce` (a retry) is answered with the message it first stored, and stores nothing.
   */
  chatSend: 'chat:send',
  /** server → client: `ChatMessage`, to the session's connected members */
  chatMessage: 'chat:message',
  /** server → client: `MentionNotice` (protocol/activity.ts), to every tab of the member mentioned */
  mentionNew: 'mention:new',
  /** server → client: `MentionsRead` (protocol/activity.ts) when the user read mentions in some tab */
  mentionRead: 'mention:read',
  /** server → client: `ErrorBody` for a malformed message that had no ack to answer */
  protocolError: 'error:protocol',
} as const;

export type Ack<T> = ({ ok: true } & T) | { ok: false; error: ErrorBody };

export interface PresenceUser {
  userId: string;
  username: string;
  displayName: string;
  color: string;
  /** The file the user's most recently active tab shows, if any. */
  fileId: string | null;
  /** True for a few seconds after the user's last edit. */
  typing: boolean;
  /** Tabs the user has open in this session. */
  connections: number;
}

export interface SessionUsers {
  sessionId: string;
  users: PresenceUser[];
}

export interface SessionRoleChange {
  sessionId: string;
  role: Role;
  /** Who changed it; absent when no person did (an invite link I used). */
  by?: EventActor;
}

/** `session:removed`: I lost access to a session. */
export interface SessionRemoval {
  sessionId: string;
  /** Who removed me, or deleted the session. */
  by?: EventActor;
  /** True when the session itself was deleted. */
  deleted?: boolean;
  /** The session's name, for the sentence ("Ana removed you from Notes"). */
  name?: string;
}

/**
 * Kinds of `session:event`: members changed, a version was saved, comments changed, ...;
 * `commitFailed` (a `CommitFailure`) each time the session's commit fails, and `commitOk` once a
 * commit succeeds after failing.
 */
export interface SessionEvent {
  sessionId: string;
  type:
    | 'members'
    | 'version'
    | 'comments'
    | 'liveComment'
    | 'tags'
    | 'renamed'
    | 'commitFailed'
    | 'commitOk'
    | 'fileDeleted'
    | 'fileRestored'
    | 'moved'
    | 'reverted'
    | 'imported'
    | 'pushed'
    | 'role';
  /**
   * The entry's id in the session's activity log (`GET /api/sessions/:id/activity`), on events
   * that are kept there (protocol/activity.ts `ACTIVITY_TYPES`), when storing it worked.
   */
  activityId?: number;
  [key: string]: unknown;
}

/**
 * Why a session's versions are not being saved: its latest commit attempt failed and will be
 * retried. Sent as a `commitFailed` session event, and in the `session:join` answer while it lasts
 * (until a commit succeeds), so a tab that joins later sees it too.
 */
export interface CommitFailure {
  /** A stable `ERR_*` code: `ERR_INVALID_PATH` when a file's path cannot be written into git. */
  code: string;
  /** A sentence for people: names the file when one file is the cause. */
  message: string;
  /** Failed attempts in a row (1 for the first). */
  attempt: number;
  /** When the next attempt is due, ms from when this was sent. */
  retryInMs: number;
  /** When it failed, ms since the epoch. */
  at: number;
}

/** What `session:join` answers. */
export interface SessionJoined {
  users: PresenceUser[];
  /** The latest commit failure, while versions are not being saved; null when all is well. */
  commitFailure: CommitFailure | null;
}

/** Who did what a `session:event` reports. */
export interface EventActor {
  id: string;
  displayName: string;
}

/** `session:event` when a file was deleted: `sha` is the version holding its last text. */
export interface FileDeletedEvent extends SessionEvent {
  type: 'fileDeleted';
  fileId: string;
  path: string;
  by: EventActor;
  sha: string | null;
}

/** `session:event` when a deleted file was restored (as a new file, `fileId`). */
export interface FileRestoredEvent extends SessionEvent {
  type: 'fileRestored';
  fileId: string;
  path: string;
  by: EventActor;
  /** The version it came from; null when restored from someone's local copy. */
  sha: string | null;
}

/**
 * `session:event` when a file or a folder moved (or was renamed): `from` and `to` are paths (a
 * folder's without a trailing slash). File ids do not change, so open tabs just re-label. A folder
 * move is one version, `sha` (null when only empty folders moved); a file move is committed as
 * usual, with the next version.
 */
export interface MovedEvent extends SessionEvent {
  type: 'moved';
  kind: 'file' | 'folder';
  from: string;
  to: string;
  by: EventActor;
  /** The file's id (`kind: 'file'`). */
  fileId?: string;
  /** The version the folder move made (`kind: 'folder'`). */
  sha?: string | null;
}

/** A file a revert left unlike its target, and who typed in it while the revert ran. */
export interface RevertDiffers {
  path: string;
  by: string[];
}

/** `session:event` after a revert: `sha` is the target, `version` the commit the revert made. */
export interface RevertedEvent extends SessionEvent {
  type: 'reverted';
  sha: string;
  version: string | null;
  by: EventActor;
  differs: RevertDiffers[];
  /**
   * The version made just before the revert ("Before revert to …") when the live text held
   * unsaved typing, and who typed it (user ids): their work is there. Null when nothing was unsaved.
   */
  kept?: { sha: string; typists: string[] } | null;
}

/** How a person appears to others: in presence, chat, events and versions. */
export interface PublicUser {
  id: string;
  username: string;
  displayName: string;
  color: string;
}

export interface ChatMessage {
  id: number;
  sessionId: string;
  user: PublicUser;
  text: string;
  /** ms since epoch */
  ts: number;
}

/** Longest chat message, in UTF-16 code units. */
export const MAX_CHAT_CHARS = 4000;

/**
 * A chat message's nonce: chosen by the sender, once per message, and sent again unchanged with
 * every retry of it, so the server stores the message once (`chat:send`).
 */
export const CHAT_NONCE_RE = /^[A-Za-z0-9_-]{8,64}$/;
