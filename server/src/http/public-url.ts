/**
 * The address people reach this server at, for the absolute links it hands out (invitations).
 * `PUBLIC_URL` when configured; otherwise built from facts of the connection itself (the local
 * address and port the request arrived at, and whether this server speaks TLS), never from the
 * Host header, which any client can forge to plant its own host in a link someone else will open.
 */
import type { Socket } from 'node:net';
import os from 'node:os';
import type { Config } from '../config/index.js';

/** IPv4 and IPv6 addresses of non-internal interfaces, IPv4 first (what people type). */
export function lanAddresses(): string[] {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      if (a.family === 'IPv4') v4.push(a.address);
      else if (!a.address.startsWith('fe80')) v6.push(`[${a.address}]`);
    }
  }
  return [...v4, ...v6];
}

const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);

function isLoopback(address: string): boolean {
  return address === '::1' || address === '[::1]' || address.startsWith('127.') || address === 'localhost';
}

/** An address as it goes in a URL: IPv4-mapped IPv6 unwrapped, IPv6 in brackets. */
function urlHost(address: string): string {
  const plain = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
  return plain.includes(':') && !plain.startsWith('[') ? `[${plain}]` : plain;
}

/**
 * `scheme://host[:port]` for links. Unset `PUBLIC_URL`: the configured `HOST` when it names one
 * interface; when listening on all of them, the address this connection reached, unless that is
 * loopback (the owner on the server machine), then the first LAN address, which others can reach.
 */
export function publicOrigin(config: Config, socket: Socket): string {
  if (config.publicUrl) return config.publicUrl;
  const tls = Boolean(config.tlsCertFile && config.tlsKeyFile);
  const scheme = tls ? 'https' : 'http';
  let host: string;
  if (!WILDCARD.has(config.host)) host = urlHost(config.host);
  else {
    const local = urlHost(socket.localAddress ?? '127.0.0.1');
    host = isLoopback(local) ? (lanAddresses()[0] ?? local) : local;
  }
  const port = socket.localPort ?? config.port;
  const defaultPort = tls ? 443 : 80;
  return port === defaultPort ? `${scheme}://${host}` : `${scheme}://${host}:${port}`;
}
