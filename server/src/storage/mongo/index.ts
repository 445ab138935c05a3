/**
 * The MongoDB store: sharedb-mongo for documents and ops, the mongodb driver for app data
 * (`collections.ts`, `account-repos.ts`, `session-repos.ts`, as `embedded/` splits it), in the database named by the URL. Several server processes may share
 * it (with Redis pub/sub between them).
 */
import { createRequire } from 'node:module';
import { MongoClient } from 'mongodb';
import type { Store } from '../types.js';
import { accessTokenRepo, revocationRepo, settingsRepo, userRepo } from './account-repos.js';
import { activityRepo, mentionRepo } from './activity-repos.js';
import { openAppCollections } from './collections.js';
import { liveCommentRepo } from './live-comments.js';
import { chatRepo, inviteRepo, memberRepo, sessionRepo } from './session-repos.js';

const require = createRequire(import.meta.url);

interface ShareDbMongoInstance {
  close(callback: (err?: Error | null) => void): void;
}
const ShareDbMongo = require('sharedb-mongo') as new (url: string, options?: object) => ShareDbMongoInstance;

export interface MongoStoreOptions {
  /** mongodb:// or mongodb+srv:// URL including the database name. */
  url: string;
  /** `compactOps` keeps at least this many recent ops per document (see SqliteShareDBOptions). Default 10000. */
  retainOps?: number;
}

/** Connects, ensures indexes, and returns the store. */
export async function createMongoStore(options: MongoStoreOptions): Promise<Store> {
  const retainOps = options.retainOps ?? 10000;
  // App data and documents use separate connection pools: ShareDB closes its own client when
  // the backend closes, which must not pull the rug from under late app writes at shutdown.
  const client = new MongoClient(options.url);
  await client.connect();
  let sharedb: ShareDbMongoInstance;
  try {
    const db = client.db();
    const collections = await openAppCollections(db);
    sharedb = new ShareDbMongo(options.url);
    let closed = false;
    return {
      kind: 'mongo',
      sharedb,
      users: userRepo(collections),
      sessions: sessionRepo(collections),
      members: memberRepo(collections),
      revocations: revocationRepo(collections),
      settings: settingsRepo(collections),
      chat: chatRepo(collections),
      accessTokens: accessTokenRepo(collections),
      invites: inviteRepo(collections),
      activity: activityRepo(collections),
      mentions: mentionRepo(collections),
      liveComments: liveCommentRepo(collections),
      async compactOps(collection, id, uptoVersion) {
        // sharedb-mongo's layout: snapshots in `<collection>` with their version in `_v`, ops in
        // `o_<collection>` keyed by document `d` and version `v`.
        const snapshot = await db
          .collection<{ _id: string; _v: number }>(collection)
          .findOne({ _id: id }, { projection: { _v: 1 } });
        if (!snapshot) return 0;
        const limit = Math.min(uptoVersion, snapshot._v - retainOps);
        if (limit <= 0) return 0;
        const result = await db.collection(`o_${collection}`).deleteMany({ d: id, v: { $lt: limit } });
        return result.deletedCount;
      },
      async close() {
        if (closed) return;
        closed = true;
        await new Promise<void>((resolve, reject) =>
          // sharedb-mongo ignores "already closed" (the backend may have closed it).
          sharedb.close((err) => (err ? reject(err) : resolve())),
        );
        await client.close();
      },
    };
  } catch (err) {
    await client.close();
    throw err;
  }
}
