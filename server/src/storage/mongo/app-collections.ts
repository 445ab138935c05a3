/**
 * The MongoDB store's app data, written to the same contract as the embedded store's tables.
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
import { AppError } from '../../errors/app-error.js';
import type { Role } from '../../protocol/roles.js';
import { ROLE_RANK } from '../../protocol/roles.js';
import { checkMemberChanges, checkRole, inviteRevoked, isCut, type MemberChange } from '../member-changes.js';
import type {
  AccessTokenRecord,
  AccessTokenRepo,
  ActivityRecord,
  ChatMessageRecord,
  ChatRepo,
  InviteRecord,
  InviteRepo,
  LiveThreadRecord,
  MemberRepo,
  MentionRecord,
  RevocationRepo,
  SessionRecord,
  SessionRepo,
  SettingsRepo,
  UserRecord,
  UserRepo,
} from '../types.js';

type UserDoc = Omit<UserRecord, 'id'> & { _id: string };
interface MemberEntry {
  userId: string;
  role: Role;
  addedAt: number;
}
type SessionDoc = Omit<SessionRecord, 'id'> & {
  _id: string;
  members: MemberEntry[];
  /** Bumped by every membership change: the compare-and-set token. */
  rev: number;
  /** When each user's access was last cut (lowered or removed); missing on older documents. */
  cuts?: Array<{ userId: string; at: number }>;
};
interface RevocationDoc {
  _id: string;
  expiresAt: number;
}
interface SettingDoc {
  _id: string;
  value: string;
}
type ChatDoc = Omit<ChatMessageRecord, 'id'> & { _id: number };
interface CounterDoc {
  _id: string;
  seq: number;
}
type AccessTokenDoc = Omit<AccessTokenRecord, 'id'> & { _id: string };
type InviteDoc = Omit<InviteRecord, 'token'> & { _id: string };
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

const isDuplicateKey = (err: unknown) => err instanceof MongoServerError && err.code === 11000;

// Accounts made before git identities (or disabling, or directories) existed lack those fields:
// they read as the defaults, which is the migration (no rewrite of old documents needed).
const toUser = ({ _id, ...rest }: UserDoc): UserRecord => ({
  id: _id,
  ...rest,
  gitName: rest.gitName ?? null,
  gitEmail: rest.gitEmail ?? null,
  disabled: rest.disabled ?? false,
  source: rest.source ?? 'local',
  externalId: rest.externalId ?? null,
});

/** The counters document whose insert makes its inserter the admin; never deleted. */
const ADMIN_CLAIM = 'first-admin';

/** Users; a unique index enforces the username. */
export function userRepo(c: AppCollections): UserRepo {
  return {
    async create(user) {
      const { id, ...given } = user;
      const rest = { ...given, source: given.source ?? 'local', externalId: given.externalId ?? null };
      // Only someone who saw an empty collection may claim admin; of those, the unique _id of the
      // claim lets exactly one win. A store that already had users never offers the claim.
      const mayClaim = (await c.users.countDocuments({}, { limit: 1 })) === 0;
      try {
        await c.users.insertOne({
          _id: id,
          ...rest,
          isAdmin: false,
          gitName: null,
          gitEmail: null,
          disabled: false,
        });
      } catch (err) {
        // Which index clashed is not reported by every server version: ask instead. (An id
        // clash with a free username is a bug and is rethrown.)
        if (
          isDuplicateKey(err) &&
          (await c.users.countDocuments({ username: user.username }, { limit: 1 })) > 0
        ) {
          throw new AppError('ERR_USERNAME_TAKEN', `The username "${user.username}" is taken.`);
        }
        if (
          isDuplicateKey(err) &&
          rest.externalId !== null &&
          (await c.users.countDocuments({ source: rest.source, externalId: rest.externalId }, { limit: 1 })) >
            0
        ) {
          throw new AppError('ERR_CONFLICT', 'An account for this directory identity exists already.');
        }
        throw err;
      }
      let isAdmin = false;
      if (mayClaim) {
        try {
          await c.counters.insertOne({ _id: ADMIN_CLAIM, seq: 1 });
          isAdmin = true;
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
        if (isAdmin) await c.users.updateOne({ _id: id }, { $set: { isAdmin: true } });
      }
      return { id, ...rest, isAdmin, gitName: null, gitEmail: null, disabled: false };
    },
    async byId(id) {
      const doc = await c.users.findOne({ _id: id });
      return doc ? toUser(doc) : null;
    },
    async byUsername(username) {
      const doc = await c.users.findOne({ username });
      return doc ? toUser(doc) : null;
    },
    async byExternalId(source, externalId) {
      const doc = await c.users.findOne({ source, externalId });
      return doc ? toUser(doc) : null;
    },
    async count() {
      return c.users.countDocuments();
    },
    async list() {
      return (await c.users.find().sort({ username: 1 }).toArray()).map(toUser);
    },
    async update(id, patch) {
      const set: Partial<UserDoc> = {};
      if (patch.displayName !== undefined) set.displayName = patch.displayName;
      if (patch.passwordHash !== undefined) set.passwordHash = patch.passwordHash;
      if (patch.tokensValidAfter !== undefined) set.tokensValidAfter = patch.tokensValidAfter;
      if (patch.isAdmin !== undefined) set.isAdmin = patch.isAdmin;
      if (patch.disabled !== undefined) set.disabled = patch.disabled;
      if (patch.gitName !== undefined) set.gitName = patch.gitName;
      if (patch.gitEmail !== undefined) set.gitEmail = patch.gitEmail;
      if (Object.keys(set).length) await c.users.updateOne({ _id: id }, { $set: set });
    },
  };
}

const toSession = (doc: SessionDoc): SessionRecord => ({
  id: doc._id,
  name: doc.name,
  createdBy: doc.createdBy,
  createdAt: doc.createdAt,
});

/** Sessions, with their members inside. */
export function sessionRepo(c: AppCollections): SessionRepo {
  return {
    async create(session, ownerId) {
      const { id, ...rest } = session;
      await c.sessions.insertOne({
        _id: id,
        ...rest,
        members: [{ userId: ownerId, role: 'owner', addedAt: session.createdAt }],
        rev: 0,
      });
    },
    async byId(id) {
      const doc = await c.sessions.findOne({ _id: id }, { projection: { members: 0 } });
      return doc ? toSession(doc) : null;
    },
    async listAll() {
      const docs = await c.sessions
        .find({}, { projection: { members: 0 } })
        .sort({ createdAt: -1, _id: -1 })
        .toArray();
      return docs.map(toSession);
    },
    async listForUser(userId) {
      const docs = await c.sessions
        .find({ 'members.userId': userId })
        .sort({ createdAt: -1, _id: -1 })
        .toArray();
      return docs.map((doc) => ({
        ...toSession(doc),
        role: doc.members.find((m) => m.userId === userId)!.role,
      }));
    },
    async rename(id, name) {
      await c.sessions.updateOne({ _id: id }, { $set: { name } });
    },
    async delete(id) {
      // Invites first, so no one can join a session that is going away; chat last (unreachable
      // without the session, so a crash mid-way leaves only unreachable messages).
      await c.invites.deleteMany({ sessionId: id });
      await c.sessions.deleteOne({ _id: id });
      await c.chat.deleteMany({ sessionId: id });
      await c.activity.deleteMany({ sessionId: id });
      await c.mentions.deleteMany({ sessionId: id });
      await c.liveComments.deleteMany({ sessionId: id });
    },
  };
}

/** Memberships, changed by compare-and-set on the session document. */
export function memberRepo(c: AppCollections): MemberRepo {
  /**
   * Replaces the members array with `edit(current)` atomically: the write only lands if no one
   * changed the members since we read them, else we re-read and retry.
   */
  const compareAndSet = async (
    sessionId: string,
    edit: (current: MemberEntry[], cuts: ReadonlyMap<string, number>) => MemberEntry[],
  ) => {
    for (let attempt = 0; attempt < 50; attempt++) {
      const doc = await c.sessions.findOne(
        { _id: sessionId },
        { projection: { members: 1, rev: 1, cuts: 1 } },
      );
      if (!doc) throw new AppError('ERR_SESSION_NOT_FOUND', 'Session not found.');
      const cuts = new Map((doc.cuts ?? []).map((x) => [x.userId, x.at]));
      const members = edit(doc.members, cuts);
      if (members === doc.members) return;
      // Record, in the same write, every member whose access the edit takes away.
      const now = Date.now();
      const after = new Map(members.map((m) => [m.userId, m.role]));
      for (const m of doc.members) {
        if (isCut(m.role, after.get(m.userId) ?? null))
          cuts.set(m.userId, Math.max(now, cuts.get(m.userId) ?? 0));
      }
      const result = await c.sessions.updateOne(
        { _id: sessionId, rev: doc.rev },
        {
          $set: { members, cuts: [...cuts].map(([userId, at]) => ({ userId, at })) },
          $inc: { rev: 1 },
        },
      );
      if (result.matchedCount === 1) return;
    }
    throw new AppError('ERR_CONFLICT', 'The members changed too often to apply this change; try again.');
  };

  /** `changes` applied in order to a copy of `members`; a new member joins now. */
  const withChanges = (members: readonly MemberEntry[], changes: readonly MemberChange[]): MemberEntry[] => {
    const out = [...members];
    const now = Date.now();
    for (const change of changes) {
      const i = out.findIndex((m) => m.userId === change.userId);
      if (change.role === null) {
        if (i >= 0) out.splice(i, 1);
      } else if (i >= 0) {
        out[i] = { ...out[i]!, role: change.role };
      } else {
        out.push({ userId: change.userId, role: change.role, addedAt: now });
      }
    }
    return out;
  };

  return {
    async role(sessionId, userId) {
      const doc = await c.sessions.findOne(
        { _id: sessionId, 'members.userId': userId },
        { projection: { 'members.$': 1 } },
      );
      return doc?.members[0]?.role ?? null;
    },
    async list(sessionId) {
      const doc = await c.sessions.findOne({ _id: sessionId }, { projection: { members: 1 } });
      if (!doc) return [];
      return [...doc.members]
        .sort((a, b) => a.addedAt - b.addedAt || (a.userId < b.userId ? -1 : 1))
        .map((m) => ({ sessionId, ...m }));
    },
    async set(sessionId, userId, role) {
      checkRole(role);
      // Unlike apply, a single set may leave no owner: its caller checks that.
      await compareAndSet(sessionId, (members) => withChanges(members, [{ userId, role }]));
    },
    async remove(sessionId, userId) {
      try {
        await compareAndSet(sessionId, (members) => withChanges(members, [{ userId, role: null }]));
      } catch (err) {
        // Removing from a session that is gone is a no-op, as in the embedded store.
        if (!(err instanceof AppError && err.code === 'ERR_SESSION_NOT_FOUND')) throw err;
      }
    },
    async apply(sessionId, changes) {
      await compareAndSet(sessionId, (members) => {
        checkMemberChanges(
          members.map((m) => ({ sessionId, ...m })),
          changes,
        );
        return withChanges(members, changes);
      });
    },
    async cutAt(sessionId, userId) {
      const doc = await c.sessions.findOne({ _id: sessionId }, { projection: { cuts: 1 } });
      return doc?.cuts?.find((x) => x.userId === userId)?.at ?? null;
    },
    async join(sessionId, userId, role, issuedAt) {
      checkRole(role);
      let result: Role = role;
      await compareAndSet(sessionId, (members, cuts) => {
        const current = members.find((m) => m.userId === userId)?.role ?? null;
        if (current !== null && ROLE_RANK[current] >= ROLE_RANK[role]) {
          result = current;
          return members;
        }
        if ((cuts.get(userId) ?? -1) > issuedAt) throw inviteRevoked();
        result = role;
        return withChanges(members, [{ userId, role }]);
      });
      return result;
    },
  };
}

/** Revoked JWT ids. */
export function revocationRepo(c: AppCollections): RevocationRepo {
  return {
    async revoke(jti, expiresAt) {
      await c.revocations.updateOne({ _id: jti }, { $max: { expiresAt } }, { upsert: true });
    },
    async isRevoked(jti) {
      return (await c.revocations.countDocuments({ _id: jti }, { limit: 1 })) > 0;
    },
    async prune(now) {
      await c.revocations.deleteMany({ expiresAt: { $lte: now } });
    },
  };
}

/** Server-wide key/value settings. */
export function settingsRepo(c: AppCollections): SettingsRepo {
  return {
    async get(key) {
      return (await c.settings.findOne({ _id: key }))?.value ?? null;
    },
    async set(key, value) {
      await c.settings.updateOne({ _id: key }, { $set: { value } }, { upsert: true });
    },
  };
}

/** Chat; ids come from one counter document, so they increase across the whole store. */
export function chatRepo(c: AppCollections): ChatRepo {
  return {
    async add(msg) {
      const counter = await c.counters.findOneAndUpdate(
        { _id: 'chat' },
        { $inc: { seq: 1 } },
        { upsert: true, returnDocument: 'after' },
      );
      const id = counter!.seq;
      await c.chat.insertOne({ _id: id, ...msg });
      return { id, ...msg };
    },
    async page(sessionId, { before, limit }) {
      const n = Math.max(0, Math.floor(limit));
      if (n === 0) return [];
      const filter = before === undefined ? { sessionId } : { sessionId, _id: { $lt: before } };
      const docs = await c.chat.find(filter).sort({ _id: -1 }).limit(n).toArray();
      return docs.map(({ _id, ...rest }) => ({ id: _id, ...rest }));
    },
  };
}

const toAccessToken = ({ _id, ...rest }: AccessTokenDoc): AccessTokenRecord => ({ id: _id, ...rest });

/** Personal access tokens. */
export function accessTokenRepo(c: AppCollections): AccessTokenRepo {
  return {
    async create(token) {
      const { id, ...rest } = token;
      await c.accessTokens.insertOne({ _id: id, ...rest });
    },
    async listForUser(userId) {
      const docs = await c.accessTokens.find({ userId }).sort({ createdAt: -1, _id: -1 }).toArray();
      return docs.map(toAccessToken);
    },
    async bySecretHash(secretHash) {
      const doc = await c.accessTokens.findOne({ secretHash });
      return doc ? toAccessToken(doc) : null;
    },
    async touch(id, at) {
      await c.accessTokens.updateOne({ _id: id }, { $set: { lastUsedAt: at } });
    },
    async delete(userId, id) {
      return (await c.accessTokens.deleteOne({ _id: id, userId })).deletedCount > 0;
    },
  };
}

const toInvite = ({ _id, ...rest }: InviteDoc): InviteRecord => ({ token: _id, ...rest });

/** Invitation links; `consume` is a single conditional `findOneAndUpdate`. */
export function inviteRepo(c: AppCollections): InviteRepo {
  return {
    async create(invite) {
      const { token, ...rest } = invite;
      await c.invites.insertOne({ _id: token, ...rest });
    },
    async byToken(token) {
      const doc = await c.invites.findOne({ _id: token });
      return doc ? toInvite(doc) : null;
    },
    async listForSession(sessionId) {
      const docs = await c.invites.find({ sessionId }).sort({ createdAt: -1, _id: 1 }).toArray();
      return docs.map(toInvite);
    },
    async revoke(sessionId, token) {
      return (
        (await c.invites.updateOne({ _id: token, sessionId }, { $set: { revoked: true } })).matchedCount > 0
      );
    },
    async consume(token, now) {
      const doc = await c.invites.findOneAndUpdate(
        {
          _id: token,
          revoked: false,
          $and: [
            // {field: null} matches null and missing alike.
            { $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] },
            { $or: [{ maxUses: null }, { $expr: { $lt: ['$uses', '$maxUses'] } }] },
          ],
        },
        { $inc: { uses: 1 } },
        { returnDocument: 'after' },
      );
      return doc ? toInvite(doc) : null;
    },
    async release(token) {
      await c.invites.updateOne({ _id: token, uses: { $gt: 0 } }, { $inc: { uses: -1 } });
    },
  };
}
