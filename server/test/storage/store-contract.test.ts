/**
 * Runs the store contract against the embedded store always, and against MongoDB when
 * MONGODB_URL is set (in a throwaway database that is dropped afterwards).
 */
import fs from 'node:fs';
import { MongoClient } from 'mongodb';
import { createEmbeddedStore } from '../../src/storage/embedded/index.js';
import { createMongoStore } from '../../src/storage/mongo/index.js';
import { tempDir, throwawayMongoUrl } from './helpers.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('embedded (SQLite)', () => {
  const dataDir = tempDir();
  return {
    open: () => createEmbeddedStore({ dataDir }),
    async reopen(store) {
      await store.close();
      return createEmbeddedStore({ dataDir });
    },
    async dispose() {
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
});

const mongoUrl = process.env.MONGODB_URL;
if (mongoUrl) {
  describeStoreContract('MongoDB', () => {
    const url = throwawayMongoUrl(mongoUrl, 'store');
    return {
      open: () => createMongoStore({ url }),
      async reopen(store) {
        await store.close();
        return createMongoStore({ url });
      },
      async dispose() {
        const client = await new MongoClient(url).connect();
        try {
          await client.db().dropDatabase();
        } finally {
          await client.close();
        }
      },
    };
  });
} else {
  describe('MongoDB store contract', () => {
    it('MongoDB store contract SKIPPED: MONGODB_URL is not set');
  });
}
