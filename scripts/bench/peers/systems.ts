/**
 * The systems the peers bench compares (issue 17): Gitpad and its peers, and how a client reaches
 * each. A peer endpoint's URL carries the protocol in its scheme (`sharedb+ws:`, `hocuspocus+ws:`,
 * `y-websocket+ws:`), so the load generators' clients, which are handed only a URL, know which wire
 * protocol to speak; Gitpad's URL stays `http:` (socket.io).
 */

export type SystemName = 'gitpad' | 'hocuspocus' | 'hocuspocus-sqlite' | 'y-websocket' | 'sharedb';

/** Every system in the comparison, Gitpad first. */
export const SYSTEMS: SystemName[] = ['gitpad', 'hocuspocus', 'hocuspocus-sqlite', 'y-websocket', 'sharedb'];

/** The wire protocol a client speaks to a system. */
export type Wire = 'gitpad' | 'sharedb' | 'hocuspocus' | 'y-websocket';

export function wireOf(system: SystemName): Wire {
  return system === 'hocuspocus-sqlite' ? 'hocuspocus' : system;
}

/** A Yjs peer (no OT server, no versions). */
export const isYjs = (wire: Wire): wire is 'hocuspocus' | 'y-websocket' =>
  wire === 'hocuspocus' || wire === 'y-websocket';

/** The URL a peer endpoint is reached at, protocol in the scheme. */
export function peerUrl(wire: Exclude<Wire, 'gitpad'>, port: number): string {
  return `${wire}+ws://127.0.0.1:${port}`;
}

/** Splits an endpoint URL into the wire protocol and the plain URL to open. */
export function parseUrl(url: string): { wire: Wire; url: string } {
  const m = /^(sharedb|hocuspocus|y-websocket)\+(ws:.*)$/.exec(url);
  if (!m) return { wire: 'gitpad', url };
  return { wire: m[1] as Wire, url: m[2]! };
}
