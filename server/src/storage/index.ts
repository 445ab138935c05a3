/**
 * Picks the store: MongoDB when a URL is configured (several server processes can share it),
 * otherwise the embedded SQLite store under the data dir.
 */
import type { Logger } from '../log/index.js';
import { createEmbeddedStore } from './embedded/index.js';
import { createMongoStore } from './mongo/index.js';
import type { Store } from './types.js';

export type { Store } from './types.js';

/** Opens the configured store; `close()` it on shutdown (after the ShareDB backend). */
export async function createStore(config: {
  dataDir: string;
  mongodbUrl?: string;
  logger?: Logger;
}): Promise<Store> {
  if (config.mongodbUrl) return createMongoStore({ url: config.mongodbUrl });
  return createEmbeddedStore({ dataDir: config.dataDir, logger: config.logger });
}
