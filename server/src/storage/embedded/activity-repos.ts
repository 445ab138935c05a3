/**
 * The embedded store's activity log and mentions (tables made by the "activity and mentions"
 * migration). Each write and its trim run in one transaction.
 */
import type { Database } from 'better-sqlite3';
import type { ActivityRecord, ActivityRepo, MentionRecord, MentionRepo } from '../types.js';

interface ActivityRow {
  id: number;
  session_id: string;
  event: string;
  ts: number;
}

const toActivity = (r: ActivityRow): ActivityRecord => ({
  id: r.id,
  sessionId: r.session_id,
  event: JSON.parse(r.event) as Record<string, unknown>,
  ts: r.ts,
});

/** The per-session activity log, trimmed to the newest `keep` entries on every append. */
export function activityRepo(db: Database): ActivityRepo {
  const insert = db.prepare<[string, string, number], ActivityRow>(
    'INSERT INTO activity (session_id, event, ts) VALUES (?, ?, ?) RETURNING *',
  );
  const trim = db.prepare<[string, string, number]>(
    `DELETE FROM activity WHERE session_id = ? AND id <= (
       SELECT id FROM activity WHERE session_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
  );
  const since = db.prepare<[string, number, number], ActivityRow>(
    'SELECT * FROM activity WHERE session_id = ? AND id > ? ORDER BY id DESC LIMIT ?',
  );
  const add = db.transaction((entry: Omit<ActivityRecord, 'id'>, keep: number) => {
    const row = insert.get(entry.sessionId, JSON.stringify(entry.event), entry.ts)!;
    trim.run(entry.sessionId, entry.sessionId, Math.max(1, Math.floor(keep)));
    return row;
  });
  return {
    async add(entry, keep) {
      return toActivity(add(entry, keep));
    },
    async since(sessionId, after, limit) {
      const n = Math.max(0, Math.floor(limit));
      if (n === 0) return [];
      return since.all(sessionId, after, n).map(toActivity).reverse();
    },
  };
}

interface MentionRow {
  id: number;
  user_id: string;
  session_id: string;
  by_user_id: string;
  source: 'chat' | 'comment';
  ref: string;
  text: string;
  ts: number;
  read_at: number | null;
}

const toMention = (r: MentionRow): MentionRecord => ({
  id: r.id,
  userId: r.user_id,
  sessionId: r.session_id,
  byUserId: r.by_user_id,
  source: r.source,
  ref: r.ref,
  text: r.text,
  ts: r.ts,
  read: r.read_at !== null,
});

/** Mentions per user, trimmed to each user's newest `keep` on every add. */
export function mentionRepo(db: Database): MentionRepo {
  const insert = db.prepare<[string, string, string, string, string, string, number], MentionRow>(
    `INSERT INTO mentions (user_id, session_id, by_user_id, source, ref, text, ts)
     VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
  );
  const trim = db.prepare<[string, string, number]>(
    `DELETE FROM mentions WHERE user_id = ? AND id <= (
       SELECT id FROM mentions WHERE user_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
  );
  const listAll = db.prepare<[string, number], MentionRow>(
    'SELECT * FROM mentions WHERE user_id = ? ORDER BY id DESC LIMIT ?',
  );
  const listUnread = db.prepare<[string, number], MentionRow>(
    'SELECT * FROM mentions WHERE user_id = ? AND read_at IS NULL ORDER BY id DESC LIMIT ?',
  );
  const readAll = db.prepare<[number, string]>(
    'UPDATE mentions SET read_at = ? WHERE user_id = ? AND read_at IS NULL',
  );
  const readOne = db.prepare<[number, string, number]>(
    'UPDATE mentions SET read_at = ? WHERE user_id = ? AND id = ? AND read_at IS NULL',
  );
  const add = db.transaction((mentions: Array<Omit<MentionRecord, 'id' | 'read'>>, keep: number) => {
    const rows = mentions.map(
      (m) => insert.get(m.userId, m.sessionId, m.byUserId, m.source, m.ref, m.text, m.ts)!,
    );
    for (const userId of new Set(mentions.map((m) => m.userId)))
      trim.run(userId, userId, Math.max(1, Math.floor(keep)));
    return rows;
  });
  const markSome = db.transaction((userId: string, ids: readonly number[], at: number) => {
    let changed = 0;
    for (const id of new Set(ids)) changed += readOne.run(at, userId, id).changes;
    return changed;
  });
  return {
    async add(mentions, keep) {
      if (mentions.length === 0) return [];
      return add(mentions, keep).map(toMention);
    },
    async list(userId, { unreadOnly, limit }) {
      const n = Math.max(0, Math.floor(limit));
      if (n === 0) return [];
      return (unreadOnly ? listUnread : listAll).all(userId, n).map(toMention);
    },
    async markRead(userId, ids) {
      if (ids === undefined) return readAll.run(Date.now(), userId).changes;
      return markSome(userId, ids, Date.now());
    },
  };
}
