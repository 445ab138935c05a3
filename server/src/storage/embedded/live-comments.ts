/** The embedded store's live comment threads: one row per thread, the record as JSON. */
import type { Database } from 'better-sqlite3';
import type { LiveCommentRepo, LiveThreadRecord } from '../types.js';

interface Row {
  data: string;
}

export function liveCommentRepo(db: Database): LiveCommentRepo {
  const bySession = db.prepare<[string], Row>(
    'SELECT data FROM live_comments WHERE session_id = ? ORDER BY created_at, id',
  );
  const byFile = db.prepare<[string, string], Row>(
    'SELECT data FROM live_comments WHERE session_id = ? AND file_id = ? ORDER BY created_at, id',
  );
  const byId = db.prepare<[string, string], Row>(
    'SELECT data FROM live_comments WHERE session_id = ? AND id = ?',
  );
  const upsert = db.prepare<[string, string, string, number, string]>(
    `INSERT INTO live_comments (id, session_id, file_id, created_at, data) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET file_id = excluded.file_id, data = excluded.data`,
  );
  const setData = db.prepare<[string, string, string]>(
    'UPDATE live_comments SET data = ? WHERE session_id = ? AND id = ?',
  );
  const remove = db.prepare<[string, string]>('DELETE FROM live_comments WHERE session_id = ? AND id = ?');
  const parse = (r: Row) => JSON.parse(r.data) as LiveThreadRecord;

  /** Read-modify-write of existing threads in one transaction. */
  const patch = db.transaction(
    (sessionId: string, changes: Array<{ id: string; apply: (t: LiveThreadRecord) => void }>) => {
      for (const { id, apply } of changes) {
        const row = byId.get(sessionId, id);
        if (!row) continue;
        const thread = parse(row);
        apply(thread);
        setData.run(JSON.stringify(thread), sessionId, id);
      }
    },
  );

  return {
    async list(sessionId, fileId) {
      return (fileId === undefined ? bySession.all(sessionId) : byFile.all(sessionId, fileId)).map(parse);
    },
    async get(sessionId, id) {
      const row = byId.get(sessionId, id);
      return row ? parse(row) : null;
    },
    async put(thread) {
      upsert.run(thread.id, thread.sessionId, thread.fileId, thread.createdAt, JSON.stringify(thread));
    },
    async moveAnchors(sessionId, anchors) {
      patch(
        sessionId,
        anchors.map((a) => ({
          id: a.id,
          apply: (t) => {
            // An older write-back arriving late never moves an anchor backwards in versions.
            if (t.anchorVersion > a.anchorVersion) return;
            Object.assign(t, {
              from: a.from,
              to: a.to,
              anchorVersion: a.anchorVersion,
              detached: a.detached,
            });
          },
        })),
      );
    },
    async markNoted(sessionId, noted) {
      patch(
        sessionId,
        noted.map((n) => ({
          id: n.id,
          apply: (t) => {
            t.notedRev = Math.max(t.notedRev, n.rev);
          },
        })),
      );
    },
    async delete(sessionId, id) {
      return remove.run(sessionId, id).changes > 0;
    },
  };
}
