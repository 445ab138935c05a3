/** The MongoDB store's live comment threads: one document per thread in `app_live_comments`. */
import type { LiveCommentRepo, LiveThreadRecord } from '../types.js';
import type { AppCollections, LiveThreadDoc } from './collections.js';

const toRecord = ({ _id, ...rest }: LiveThreadDoc): LiveThreadRecord => ({ id: _id, ...rest });

export function liveCommentRepo(c: AppCollections): LiveCommentRepo {
  return {
    async list(sessionId, fileId) {
      const filter = fileId === undefined ? { sessionId } : { sessionId, fileId };
      return (await c.liveComments.find(filter).sort({ createdAt: 1, _id: 1 }).toArray()).map(toRecord);
    },
    async get(sessionId, id) {
      const doc = await c.liveComments.findOne({ _id: id, sessionId });
      return doc ? toRecord(doc) : null;
    },
    async put(thread) {
      const { id, ...rest } = thread;
      await c.liveComments.replaceOne({ _id: id }, rest, { upsert: true });
    },
    async moveAnchors(sessionId, anchors) {
      if (anchors.length === 0) return;
      // Each update is atomic on its document; an older write-back never moves an anchor back.
      await c.liveComments.bulkWrite(
        anchors.map((a) => ({
          updateOne: {
            filter: { _id: a.id, sessionId, anchorVersion: { $lte: a.anchorVersion } },
            update: {
              $set: { from: a.from, to: a.to, anchorVersion: a.anchorVersion, detached: a.detached },
            },
          },
        })),
      );
    },
    async markNoted(sessionId, noted) {
      if (noted.length === 0) return;
      await c.liveComments.bulkWrite(
        noted.map((n) => ({
          updateOne: { filter: { _id: n.id, sessionId }, update: { $max: { notedRev: n.rev } } },
        })),
      );
    },
    async delete(sessionId, id) {
      return (await c.liveComments.deleteOne({ _id: id, sessionId })).deletedCount > 0;
    },
  };
}
