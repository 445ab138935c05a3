/**
 * What the browser needs to know about this server to show the clone command: the addresses it
 * can be reached at on the LAN (the page may have been opened as localhost on the server itself).
 */
import Router from '@koa/router';
import type { Services } from '../../services.js';
import { type AuthState, authenticate } from '../authenticate.js';
import { lanAddresses } from '../public-url.js';

export function serverInfoRoutes(services: Services): Router<AuthState> {
  const router = new Router<AuthState>();
  router.get('/api/server-info', authenticate(services), (ctx) => {
    const { config } = services;
    const tls = Boolean(config.tlsCertFile && config.tlsKeyFile);
    ctx.body = {
      protocol: tls ? 'https' : 'http',
      /** The port this request arrived at (the server's own, whatever the Host header says). */
      port: String(ctx.req.socket.localPort ?? config.port),
      /** `PUBLIC_URL` when configured: the address to give others. */
      publicUrl: config.publicUrl ?? null,
      lanAddresses:
        services.config.host === '127.0.0.1' || services.config.host === '::1' ? [] : lanAddresses(),
    };
  });
  return router;
}
