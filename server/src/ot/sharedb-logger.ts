/**
 * ShareDB logs through one logger per process (`ShareDB.logger`, a module singleton), and its
 * messages do not say which backend they come from. Each server attaches its own logger here
 * while it runs: ShareDB's messages go to every attached logger (one, outside tests), and a
 * closed server's logger stops receiving them, so two servers in one process never take over
 * each other's logging.
 */
import ShareDB from 'sharedb';
import type { Logger } from '../log/index.js';

const attached = new Set<Logger>();

const line = (args: unknown[]) => `sharedb: ${args.map(String).join(' ')}`;

function routeShareDBLogs(): void {
  ShareDB.logger.setMethods({
    info: (...a: unknown[]) => {
      for (const logger of attached) logger.debug(line(a));
    },
    warn: (...a: unknown[]) => {
      for (const logger of attached) logger.warn(line(a));
    },
    error: (...a: unknown[]) => {
      for (const logger of attached) logger.warn(line(a));
    },
  });
}

/** Sends ShareDB's log messages to `logger` until the returned function is called. */
export function attachShareDBLogger(logger: Logger): () => void {
  if (attached.size === 0) routeShareDBLogs();
  attached.add(logger);
  return () => {
    attached.delete(logger);
  };
}
