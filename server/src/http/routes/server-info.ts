/**
 * What the browser needs to know about this server to show the clone command: the addresses it
 * can be reached at on the LAN (the page may have been opened as localhost on the server itself).
 */
import os from 'node:os';
import Router from '@koa/router';
import type { Services } from '../../services.js';
import { type AuthState, authenticate } from '../authenticate.js';

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

export function serverInfoRoutes(services: Services): Router<AuthState> {
  const router = new Router<AuthState>();
  router.get('/api/server-info', authenticate(services), (ctx) => {
    const host = ctx.host;
    const port = host.includes(':') && !host.endsWith(']') ? host.slice(host.lastIndexOf(':') + 1) : '';
    ctx.body = {
      protocol: ctx.protocol,
      /** The host the page was opened with, as the browser sent it. */
      requestHost: host,
      port: port || (ctx.protocol === 'https' ? '443' : '80'),
      lanAddresses:
        services.config.host === '127.0.0.1' || services.config.host === '::1' ? [] : lanAddresses(),
    };
  });
  return router;
}
