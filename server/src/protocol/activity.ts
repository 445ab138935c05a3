/**
 * "What happened to my work": the session activity log (events that changed someone's work, kept
 * per session so a person who was away can catch up) and @mentions. Shared with the client.
 */
import type { EventActor, SessionEvent } from './events.js';
import type { Role } from './roles.js';

/**
 * The `session:event` types kept in a session's activity log. Each names who did it (`by`); the
 * events themselves are documented in protocol/events.ts and below.
 */
export const ACTIVITY_TYPES = [
  'fileDeleted',
  'fileRestored',
  'moved',
  'reverted',
  'imported',
  'pushed',
  'role',
] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

/** How many entries a session's activity log keeps (the oldest are forgotten first). */
export const ACTIVITY_KEEP = 200;
/** How many unread mentions a user keeps, all sessions together (the oldest are forgotten first). */
export const MENTIONS_KEEP = 500;

/** One entry of `GET /api/sessions/:id/activity`: the event as it was sent, with when. */
export interface ActivityEntry {
  id: number;
  /** ms since the epoch */
  ts: number;
  event: SessionEvent;
}

/** `session:event` when files were imported (a zip, a bundle, uploads) as one version. */
export interface ImportedEvent extends SessionEvent {
  type: 'imported';
  count: number;
  by: EventActor;
  sha: string | null;
}

/** `session:event` when a `git push` was applied to the live session. */
export interface PushedEvent extends SessionEvent {
  type: 'pushed';
  /** Commits the push brought (those not already in the session's history). */
  count: number;
  /** The pushed commit. */
  pushed: string;
  /** The version (merge) it made. */
  sha: string;
  by: EventActor;
}

/**
 * `session:event` when a member's role changed or they were removed (`role: null`); the member
 * themself is also told by `session:role` / `session:removed`.
 */
export interface RoleEvent extends SessionEvent {
  type: 'role';
  user: EventActor;
  role: Role | null;
  by: EventActor | null;
}

/** Someone mentioned me (`@username`) in a session's chat or version comments. */
export interface MentionNotice {
  id: number;
  sessionId: string;
  sessionName: string;
  by: { id: string; username: string; displayName: string };
  source: 'chat' | 'comment';
  /** The chat message id, or the version (sha) the comment is on. */
  ref: string;
  /** The mentioning text, cut short (`MENTION_EXCERPT_CHARS`). */
  text: string;
  ts: number;
  read: boolean;
}

/** `mention:read`: mentions marked read (`ids`, or all when null), and how many stay unread. */
export interface MentionsRead {
  ids: number[] | null;
  unread: number;
}
