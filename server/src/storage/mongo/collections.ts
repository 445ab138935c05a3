/**
 * The MongoDB store's collections, written to the same contract as the embedded store's tables
 * (account-repos.ts and session-repos.ts here mirror embedded/).
 *
 * No multi-document transactions (a standalone mongod has none): every change that must be
 * atomic touches one document. A session's members live inside the session document, so
 * creating a session with its owner is one insert and a batch of role changes is one
 * compare-and-set on the document's `rev`, which also records when a member's access was cut.
 * Invite consumption is one `findOneAndUpdate`. The first admin is whoever, having seen no users,
 * wins the insert of one claim document (a unique `_id`).
 *
 * Collections are prefixed `app_`: sharedb-mongo names its own after ShareDB collections
 * (`sessions`, `files`, `o_files`…), which would otherwise collide.
 */
import { type Collection, type Db, MongoServerError } from 'mongodb';
import type { Role } from '../../protocol/roles.js';
import type {
  AccessTokenRecord,
  ActivityRecord,
  ChatMessageRecord,
  InviteRecord,
  LiveThreadRecord,
  MentionRecord,
  SessionRecord,
  UserRecord,
} from '../types.js';

export type UserDoc = Omit<UserRecord, 'id'> & { _id: string };
export interface MemberEntry {
  userId: string;
  role: Role;
  addedAt: number;
}
export type SessionDoc = Omit<SessionRecord, 'id'> & {
  _id: string;
  members: MemberEntry[];
  /** Bumped by every membership change: the compare-and-set token. */
  rev: number;
  /** When each user's access was last cut (lowered or removed); missing on older documents. */
  cuts?: Array<{ userId: string; at: number }>;
};
export interface RevocationDoc {
  _id: string;
  expiresAt: number;
}
export interface SettingDoc {
  _id: string;
  value: string;
}
export type ChatDoc = Omit<ChatMessageRecord, 'id'> & { _id: number };
export interface CounterDoc {
  _id: string;
  seq: number;
}
export type AccessTokenDoc = Omit<AccessTokenRecord, 'id'> & { _id: string };
export type InviteDoc = Omit<InviteRecord, 'token'> & { _id: string };
/** An activity entry; `_id` from the `activity` counter. */
export type ActivityDoc = Omit<ActivityRecord, 'id'> & { _id: number };
/** A mention; `_id` from the `mentions` counter; `readAt` null while unread. */
export type MentionDoc = Omit<MentionRecord, 'id' | 'read'> & { _id: number; readAt: number | null };
export type LiveThreadDoc = Omit<LiveThreadRecord, 'id'> & { _id: string };

/** The app collections, typed. */
export interface AppCollections {
  users: Collection<UserDoc>;
  sessions: Collection<SessionDoc>;
  revocations: Collection<RevocationDoc>;
  settings: Collection<SettingDoc>;
  chat: Collection<ChatDoc>;
  counters: Collection<CounterDoc>;
  accessTokens: Collection<AccessTokenDoc>;
  invites: Collection<InviteDoc>;
  activity: Collection<ActivityDoc>;
  mentions: Collection<MentionDoc>;
  /** Live comment threads (live-comments.ts). */
  liveComments: Collection<LiveThreadDoc>;
}

/** Gets the collections and makes sure their indexes exist (idempotent). */
export async function openAppCollections(db: Db): Promise<AppCollections> {
  const c: AppCollections = {
    users: db.collection<UserDoc>('app_users'),
    sessions: db.collection<SessionDoc>('app_sessions'),
    revocations: db.collection<RevocationDoc>('app_revocations'),
    settings: db.collection<SettingDoc>('app_settings'),
    chat: db.collection<ChatDoc>('app_chat'),
    counters: db.collection<CounterDoc>('app_counters'),
    accessTokens: db.collection<AccessTokenDoc>('app_access_tokens'),
    invites: db.collection<InviteDoc>('app_invites'),
    activity: db.collection<ActivityDoc>('app_activity'),
    mentions: db.collection<MentionDoc>('app_mentions'),
    liveComments: db.collection<LiveThreadDoc>('app_live_comments'),
  };
  await Promise.all([
    c.users.createIndex({ username: 1 }, { unique: true }),
    // Only directory accounts carry a string externalId: local ones (null, or missing on older
    // documents) stay out of the index instead of clashing with each other.
    c.users.createIndex(
      { source: 1, externalId: 1 },
      { unique: true, partialFilterExpression: { externalId: { $type: 'string' } } },
    ),
    c.sessions.createIndex({ 'members.userId': 1, createdAt: -1 }),
    c.revocations.createIndex({ expiresAt: 1 }),
    c.chat.createIndex({ sessionId: 1, _id: -1 }),
    c.accessTokens.createIndex({ secretHash: 1 }, { unique: true }),
    c.accessTokens.createIndex({ userId: 1, createdAt: -1 }),
    c.invites.createIndex({ sessionId: 1, createdAt: -1 }),
    c.activity.createIndex({ sessionId: 1, _id: -1 }),
    c.mentions.createIndex({ userId: 1, _id: -1 }),
    c.mentions.createIndex({ sessionId: 1 }),
    c.liveComments.createIndex({ sessionId: 1, fileId: 1, createdAt: 1 }),
  ]);
  return c;
}

export const isDuplicateKey = (err: unknown) => err instanceof MongoServerError && err.code === 11000;
