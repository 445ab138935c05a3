/**
 * The embedded store's per-session tables: sessions, members, chat and invites (activity and
 * mentions: activity-repos.ts). Multi-row
 * changes run in one SQLite transaction; better-sqlite3 is synchronous, so nothing else runs in
 * this process between a transaction's read and its write either.
 */
import type { Database } from 'better-sqlite3';
import { AppError } from '../../errors/app-error.js';
import type { Role } from '../../protocol/roles.js';
import { ROLE_RANK } from '../../protocol/roles.js';
import { checkMemberChanges, checkRole, inviteRevoked, isCut } from '../member-changes.js';
import type {
  ChatMessageRecord,
  ChatRepo,
  InviteRecord,
  InviteRepo,
  MemberRecord,
  MemberRepo,
  SessionRecord,
  SessionRepo,
} from '../types.js';

interface SessionRow {
  id: string;
  name: string;
  created_by: string;
  created_at: number;
}

const toSession = (r: SessionRow): SessionRecord => ({
  id: r.id,
  name: r.name,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

/** Sessions; creating one adds its owner in the same transaction, deleting one removes everything it owns. */
export function sessionRepo(db: Database): SessionRepo {
  const insert = db.prepare(
    'INSERT INTO sessions (id, name, created_by, created_at) VALUES (@id, @name, @createdBy, @createdAt)',
  );
  const insertOwner = db.prepare<[string, string, number]>(
    "INSERT INTO members (session_id, user_id, role, added_at) VALUES (?, ?, 'owner', ?)",
  );
  const byId = db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?');
  const listAll = db.prepare<[], SessionRow>('SELECT * FROM sessions ORDER BY created_at DESC, id DESC');
  const listForUser = db.prepare<[string], SessionRow & { role: Role }>(
    `SELECT s.*, m.role FROM members m JOIN sessions s ON s.id = m.session_id
     WHERE m.user_id = ? ORDER BY s.created_at DESC, s.id DESC`,
  );
  const rename = db.prepare<[string, string]>('UPDATE sessions SET name = ? WHERE id = ?');
  const deletes = ['members', 'member_cuts', 'chat', 'invites', 'activity', 'mentions', 'live_comments'].map(
    (table) => db.prepare<[string]>(`DELETE FROM ${table} WHERE session_id = ?`),
  );
  const deleteSession = db.prepare<[string]>('DELETE FROM sessions WHERE id = ?');

  const create = db.transaction((session: SessionRecord, ownerId: string) => {
    insert.run(session);
    insertOwner.run(session.id, ownerId, session.createdAt);
  });
  const remove = db.transaction((id: string) => {
    for (const statement of deletes) statement.run(id);
    deleteSession.run(id);
  });

  return {
    async create(session, ownerId) {
      create(session, ownerId);
    },
    async byId(id) {
      const row = byId.get(id);
      return row ? toSession(row) : null;
    },
    async listAll() {
      return listAll.all().map(toSession);
    },
    async listForUser(userId) {
      return listForUser.all(userId).map((r) => ({ ...toSession(r), role: r.role }));
    },
    async rename(id, name) {
      rename.run(name, id);
    },
    async delete(id) {
      remove(id);
    },
  };
}

interface MemberRow {
  session_id: string;
  user_id: string;
  role: Role;
  added_at: number;
}

const toMember = (r: MemberRow): MemberRecord => ({
  sessionId: r.session_id,
  userId: r.user_id,
  role: r.role,
  addedAt: r.added_at,
});

/**
 * Memberships; `apply` is all-or-nothing and never leaves a session without an owner. Every
 * change that takes access away records its time in `member_cuts` in the same transaction.
 */
export function memberRepo(db: Database): MemberRepo {
  const sessionExists = db.prepare<[string], number>('SELECT 1 FROM sessions WHERE id = ?').pluck();
  const role = db
    .prepare<[string, string], Role>('SELECT role FROM members WHERE session_id = ? AND user_id = ?')
    .pluck();
  const list = db.prepare<[string], MemberRow>(
    'SELECT * FROM members WHERE session_id = ? ORDER BY added_at, user_id',
  );
  // Changing a role keeps the original added_at: it records when the person joined.
  const upsert = db.prepare<[string, string, Role, number]>(
    `INSERT INTO members (session_id, user_id, role, added_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (session_id, user_id) DO UPDATE SET role = excluded.role`,
  );
  const removeRow = db.prepare<[string, string]>('DELETE FROM members WHERE session_id = ? AND user_id = ?');
  const cutAt = db
    .prepare<[string, string], number>('SELECT at FROM member_cuts WHERE session_id = ? AND user_id = ?')
    .pluck();
  const recordCut = db.prepare<[string, string, number]>(
    `INSERT INTO member_cuts (session_id, user_id, at) VALUES (?, ?, ?)
     ON CONFLICT (session_id, user_id) DO UPDATE SET at = MAX(at, excluded.at)`,
  );

  /** Sets (or with null removes) one membership, recording a cut; run inside a transaction. */
  const change = (sessionId: string, userId: string, next: Role | null, now: number) => {
    const before = role.get(sessionId, userId) ?? null;
    if (isCut(before, next)) recordCut.run(sessionId, userId, now);
    if (next === null) removeRow.run(sessionId, userId);
    else upsert.run(sessionId, userId, next, now);
  };

  const requireSession = (sessionId: string) => {
    if (sessionExists.get(sessionId) === undefined) {
      throw new AppError('ERR_SESSION_NOT_FOUND', 'Session not found.');
    }
  };
  const set = db.transaction((sessionId: string, userId: string, newRole: Role) => {
    checkRole(newRole);
    requireSession(sessionId);
    change(sessionId, userId, newRole, Date.now());
  });
  const remove = db.transaction((sessionId: string, userId: string) => {
    change(sessionId, userId, null, Date.now());
  });
  const apply = db.transaction((sessionId: string, changes: Array<{ userId: string; role: Role | null }>) => {
    requireSession(sessionId);
    checkMemberChanges(list.all(sessionId).map(toMember), changes);
    const now = Date.now();
    for (const c of changes) change(sessionId, c.userId, c.role, now);
  });
  const join = db.transaction((sessionId: string, userId: string, wanted: Role, issuedAt: number): Role => {
    checkRole(wanted);
    requireSession(sessionId);
    const current = role.get(sessionId, userId) ?? null;
    if (current !== null && ROLE_RANK[current] >= ROLE_RANK[wanted]) return current;
    const cut = cutAt.get(sessionId, userId);
    if (cut !== undefined && cut > issuedAt) throw inviteRevoked();
    change(sessionId, userId, wanted, Date.now());
    return wanted;
  });

  return {
    async role(sessionId, userId) {
      return role.get(sessionId, userId) ?? null;
    },
    async list(sessionId) {
      return list.all(sessionId).map(toMember);
    },
    async set(sessionId, userId, newRole) {
      set(sessionId, userId, newRole);
    },
    async remove(sessionId, userId) {
      remove(sessionId, userId);
    },
    async apply(sessionId, changes) {
      apply(sessionId, changes);
    },
    async cutAt(sessionId, userId) {
      return cutAt.get(sessionId, userId) ?? null;
    },
    async join(sessionId, userId, wanted, issuedAt) {
      return join(sessionId, userId, wanted, issuedAt);
    },
  };
}

interface ChatRow {
  id: number;
  session_id: string;
  user_id: string;
  text: string;
  ts: number;
}

const toChat = (r: ChatRow): ChatMessageRecord => ({
  id: r.id,
  sessionId: r.session_id,
  userId: r.user_id,
  text: r.text,
  ts: r.ts,
});

/** Chat messages, paged newest first by their store-wide increasing id. */
export function chatRepo(db: Database): ChatRepo {
  const insert = db.prepare<[string, string, string, number], ChatRow>(
    'INSERT INTO chat (session_id, user_id, text, ts) VALUES (?, ?, ?, ?) RETURNING *',
  );
  // The id bound when `before` is absent is past any id SQLite can assign.
  const page = db.prepare<[string, number, number], ChatRow>(
    'SELECT * FROM chat WHERE session_id = ? AND id < ? ORDER BY id DESC LIMIT ?',
  );
  return {
    async add(msg) {
      return toChat(insert.get(msg.sessionId, msg.userId, msg.text, msg.ts)!);
    },
    async page(sessionId, { before, limit }) {
      const n = Math.max(0, Math.floor(limit));
      if (n === 0) return [];
      return page.all(sessionId, before ?? Number.MAX_SAFE_INTEGER, n).map(toChat);
    },
  };
}

interface InviteRow {
  token: string;
  session_id: string;
  role: Role;
  created_by: string;
  created_at: number;
  expires_at: number | null;
  max_uses: number | null;
  uses: number;
  revoked: number;
}

const toInvite = (r: InviteRow): InviteRecord => ({
  token: r.token,
  sessionId: r.session_id,
  role: r.role,
  createdBy: r.created_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  maxUses: r.max_uses,
  uses: r.uses,
  revoked: r.revoked === 1,
});

/** Invitation links; `consume` checks and counts a use in one statement. */
export function inviteRepo(db: Database): InviteRepo {
  const insert = db.prepare(
    `INSERT INTO invites (token, session_id, role, created_by, created_at, expires_at, max_uses, uses, revoked)
     VALUES (@token, @sessionId, @role, @createdBy, @createdAt, @expiresAt, @maxUses, @uses, @revoked)`,
  );
  const byToken = db.prepare<[string], InviteRow>('SELECT * FROM invites WHERE token = ?');
  const list = db.prepare<[string], InviteRow>(
    'SELECT * FROM invites WHERE session_id = ? ORDER BY created_at DESC, token',
  );
  const revoke = db.prepare<[string, string]>(
    'UPDATE invites SET revoked = 1 WHERE session_id = ? AND token = ?',
  );
  const consume = db.prepare<[string, number], InviteRow>(
    `UPDATE invites SET uses = uses + 1
     WHERE token = ? AND revoked = 0
       AND (expires_at IS NULL OR expires_at > ?)
       AND (max_uses IS NULL OR uses < max_uses)
     RETURNING *`,
  );
  const release = db.prepare<[string]>('UPDATE invites SET uses = uses - 1 WHERE token = ? AND uses > 0');
  return {
    async create(invite) {
      insert.run({ ...invite, revoked: invite.revoked ? 1 : 0 });
    },
    async byToken(token) {
      const row = byToken.get(token);
      return row ? toInvite(row) : null;
    },
    async listForSession(sessionId) {
      return list.all(sessionId).map(toInvite);
    },
    async revoke(sessionId, token) {
      return revoke.run(sessionId, token).changes > 0;
    },
    async consume(token, now) {
      const row = consume.get(token, now);
      return row ? toInvite(row) : null;
    },
    async release(token) {
      release.run(token);
    },
  };
}
