/**
 * The MongoDB store's activity log and mentions, to the same contract as the embedded store's
 * (storage/embedded/activity-repos.ts). Ids come from counter documents, so they increase across
 * the store. Without transactions a trim runs after its insert: a crash between them leaves a few
 * entries over the bound until the next append trims them.
 */
import type { ActivityRepo, MentionRepo } from '../types.js';
import type { AppCollections, MentionDoc } from './collections.js';

/** Reserves `n` consecutive ids from counter `name`; returns the first. */
async function reserveIds(c: AppCollections, name: string, n: number): Promise<number> {
  const counter = await c.counters.findOneAndUpdate(
    { _id: name },
    { $inc: { seq: n } },
    { upsert: true, returnDocument: 'after' },
  );
  return counter!.seq - n + 1;
}

export function activityRepo(c: AppCollections): ActivityRepo {
  return {
    async add(entry, keep) {
      const id = await reserveIds(c, 'activity', 1);
      await c.activity.insertOne({ _id: id, ...entry });
      const edge = await c.activity
        .find({ sessionId: entry.sessionId }, { projection: { _id: 1 } })
        .sort({ _id: -1 })
        .skip(Math.max(1, Math.floor(keep)))
        .limit(1)
        .next();
      if (edge) await c.activity.deleteMany({ sessionId: entry.sessionId, _id: { $lte: edge._id } });
      return { id, ...entry };
    },
    async since(sessionId, after, limit) {
      const n = Math.max(0, Math.floor(limit));
      if (n === 0) return [];
      const docs = await c.activity
        .find({ sessionId, _id: { $gt: after } })
        .sort({ _id: -1 })
        .limit(n)
        .toArray();
      return docs.reverse().map(({ _id, ...rest }) => ({ id: _id, ...rest }));
    },
  };
}

const toMention = ({ _id, readAt, ...rest }: MentionDoc) => ({ id: _id, ...rest, read: readAt !== null });

export function mentionRepo(c: AppCollections): MentionRepo {
  return {
    async add(mentions, keep) {
      if (mentions.length === 0) return [];
      const first = await reserveIds(c, 'mentions', mentions.length);
      const docs: MentionDoc[] = mentions.map((m, i) => ({ _id: first + i, ...m, readAt: null }));
      await c.mentions.insertMany(docs);
      for (const userId of new Set(mentions.map((m) => m.userId))) {
        const edge = await c.mentions
          .find({ userId }, { projection: { _id: 1 } })
          .sort({ _id: -1 })
          .skip(Math.max(1, Math.floor(keep)))
          .limit(1)
          .next();
        if (edge) await c.mentions.deleteMany({ userId, _id: { $lte: edge._id } });
      }
      return docs.map(toMention);
    },
    async list(userId, { unreadOnly, limit }) {
      const n = Math.max(0, Math.floor(limit));
      if (n === 0) return [];
      const filter = unreadOnly ? { userId, readAt: null } : { userId };
      const docs = await c.mentions.find(filter).sort({ _id: -1 }).limit(n).toArray();
      return docs.map(toMention);
    },
    async markRead(userId, ids) {
      const filter =
        ids === undefined
          ? { userId, readAt: null }
          : { userId, readAt: null, _id: { $in: [...new Set(ids)] } };
      const result = await c.mentions.updateMany(filter, { $set: { readAt: Date.now() } });
      return result.modifiedCount;
    },
  };
}
