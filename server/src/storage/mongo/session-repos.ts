/** Sessions in MongoDB: sessions with their members inside, memberships by compare-and-set, chat, invitations. */
import { AppError } from '../../errors/app-error.js';
import type { Role } from '../../protocol/roles.js';
import { ROLE_RANK } from '../../protocol/roles.js';
import { checkMemberChanges, checkRole, inviteRevoked, isCut, type MemberChange } from '../member-changes.js';
import type { ChatRepo, InviteRecord, InviteRepo, MemberRepo, SessionRecord, SessionRepo } from '../types.js';

import type { AppCollections, InviteDoc, MemberEntry, SessionDoc } from './collections.js';

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
