/**
 * Several server processes sharing one MongoDB (REDIS_URL set): ShareDB ops and presence travel
 * over Redis pub/sub (sharedb-redis-pubsub), socket.io rooms and broadcasts over the Redis adapter,
 * and role-cache invalidations over a channel of our own, so a role change made on one process
 * takes effect on all of them.
 */
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import RedisPubSub from 'sharedb-redis-pubsub';
import type { Server } from 'socket.io';
import type { AccessControl } from '../auth/access.js';
import type { Logger } from '../log/index.js';

const ACCESS_CHANNEL = 'gitpad:access-invalidate';

export interface RedisLink {
  /** The ShareDB pubsub to hand the backend. */
  sharedbPubsub: unknown;
  /** Attaches socket.io to Redis and starts relaying access invalidations. */
  attach(io: Server, access: AccessControl): Promise<void>;
  close(): Promise<void>;
}

export async function connectRedis(url: string, logger: Logger): Promise<RedisLink> {
  const pub = createClient({ url });
  const sub = pub.duplicate();
  for (const c of [pub, sub]) c.on('error', (err) => logger.warn('redis connection error', { err }));
  await Promise.all([pub.connect(), sub.connect()]);
  const sharedbPubsub = new RedisPubSub({ url });
  return {
    sharedbPubsub,
    async attach(io, access) {
      io.adapter(createAdapter(pub, sub));
      // Our own invalidations: wrap `invalidate` so every local call is published, and apply
      // what other processes publish (without re-publishing it).
      const localInvalidate = access.invalidate.bind(access);
      access.invalidate = (sessionId, userId) => {
        localInvalidate(sessionId, userId);
        pub
          .publish(ACCESS_CHANNEL, JSON.stringify({ sessionId, userId: userId ?? null }))
          .catch((err) => logger.warn('could not publish an access invalidation', { err }));
      };
      await sub.subscribe(ACCESS_CHANNEL, (message) => {
        try {
          const { sessionId, userId } = JSON.parse(message) as { sessionId: string; userId: string | null };
          localInvalidate(sessionId, userId ?? undefined);
        } catch (err) {
          logger.warn('bad access invalidation message', { err });
        }
      });
    },
    async close() {
      await new Promise<void>((resolve) =>
        (sharedbPubsub as { close(cb: () => void): void }).close(() => resolve()),
      );
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}
