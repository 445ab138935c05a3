/**
 * The tab's single realtime client, created on first use after sign-in and closed on sign-out.
 * Kept here, not in a store: stores hold plain data (STYLE.md), never sockets.
 */
import { RealtimeClient, type RealtimeOptions } from './realtime-client';

export type { LinkState, RealtimeEvents, RealtimeStatus } from './realtime-client';
export { RealtimeClient };

let current: RealtimeClient | null = null;

/** The running client, starting it if needed. */
export function startRealtime(options: RealtimeOptions): RealtimeClient {
  current ??= new RealtimeClient(options);
  return current;
}

/** The running client, if any. */
export function currentRealtime(): RealtimeClient | null {
  return current;
}

/** Closes the connection (sign-out); the next `startRealtime` opens a fresh one. */
export function stopRealtime(): void {
  current?.close();
  current = null;
}
