/** sharedb-redis-pubsub ships no types; this is the part Gitpad uses. */
declare module 'sharedb-redis-pubsub' {
  class RedisPubSub {
    constructor(options: { url?: string; client?: unknown; observer?: unknown });
    close(callback?: (err?: Error) => void): void;
  }
  export default RedisPubSub;
}
