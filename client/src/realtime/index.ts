/**
 * The tab's single realtime client, created on first use in a session and closed on sign-out.
 * Kept here, not in a store: stores hold plain data (STYLE.md), never sockets. Importing this
 * module loads socket.io and ShareDB, so only session code imports it; sign-out goes through
 * the light `lifecycle.ts`.
 */
import { currentRealtime, setCurrentRealtime } from './lifecycle';
import { RealtimeClient, type RealtimeOptions } from './realtime-client';

export type { LinkState, RealtimeEvents, RealtimeStatus } from './realtime-client';
export { RealtimeClient };

/** The running client, starting it if needed. */
export function startRealtime(options: RealtimeOptions): RealtimeClient {
  const running = currentRealtime();
  if (running instanceof RealtimeClient) return running;
  const client = new RealtimeClient(options);
  setCurrentRealtime(client);
  return client;
}
