/**
 * Where the running realtime client is kept, with no import of socket.io or ShareDB, so the
 * first page (login, session list) can close it on sign-out without loading them.
 */

interface Closable {
  close(): void;
}

let current: Closable | null = null;

export function setCurrentRealtime(client: Closable | null): void {
  current = client;
}

/** The running client, if any. */
export function currentRealtime(): Closable | null {
  return current;
}

/** Closes the connection (sign-out); the next `startRealtime` opens a fresh one. */
export function stopRealtime(): void {
  current?.close();
  current = null;
}
