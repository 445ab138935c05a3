/**
 * ShareDB's own DB adapter suite (sharedb/test/db.js, queries included) against our SQLite
 * adapter, and against sharedb-mongo when MONGODB_URL is set.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { SqliteShareDB } from '../../src/storage/embedded/sharedb-sqlite.js';
import { mongoStyleQuery, tempDir, throwawayMongoUrl } from './helpers.js';

const require = createRequire(import.meta.url);

type Create = (options: unknown, callback?: (err: Error | null, db?: unknown) => void) => void;
const runShareDBSuite = require('sharedb/test/db.js') as (options: {
  create: Create;
  getQuery: typeof mongoStyleQuery;
}) => void;

/** The suite calls create(callback) or create(options, callback). */
function creator(
  make: (options: Record<string, unknown>, done: (err: Error | null, db?: unknown) => void) => void,
) {
  return ((options, callback) => {
    if (typeof options === 'function') return make({}, options as never);
    make((options ?? {}) as Record<string, unknown>, callback!);
  }) as Create;
}

describe('SqliteShareDB passes the ShareDB DB conformance suite', () => {
  let dir: string;
  let n = 0;
  before(() => {
    dir = tempDir('gitpad-sharedb-');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  runShareDBSuite({
    create: creator((options, done) => {
      try {
        // A real file (WAL and all), fresh per test, with write-back on a timer as in production.
        const db = new SqliteShareDB({ ...options, filename: path.join(dir, `db-${n++}.sqlite`) });
        done(null, db);
      } catch (err) {
        done(err as Error);
      }
    }),
    getQuery: mongoStyleQuery,
  });
});

const mongoUrl = process.env.MONGODB_URL;
if (mongoUrl) {
  describe('sharedb-mongo passes the ShareDB DB conformance suite (MONGODB_URL)', () => {
    const ShareDbMongo = require('sharedb-mongo') as new (
      url: string,
      options?: object,
    ) => { getDbs(cb: (err: Error | null, mongo: { dropDatabase(): Promise<unknown> }) => void): void };
    const url = throwawayMongoUrl(mongoUrl, 'sharedb');

    after((done) => {
      const db = new ShareDbMongo(url);
      db.getDbs((err, mongo) => {
        if (err) return done(err);
        mongo
          .dropDatabase()
          .then(() => (db as unknown as { close(cb: () => void): void }).close(() => done()), done);
      });
    });

    runShareDBSuite({
      create: creator((options, done) => {
        const db = new ShareDbMongo(url, options);
        db.getDbs((err, mongo) => {
          if (err) return done(err);
          mongo.dropDatabase().then(() => done(null, db), done);
        });
      }),
      getQuery: mongoStyleQuery,
    });
  });
} else {
  describe('sharedb-mongo conformance suite', () => {
    it('SKIPPED: MONGODB_URL is not set, so sharedb-mongo was not tested');
  });
}
