/**
 * The Koa application: the request id (so every later line logs it), security headers and the
 * error boundary first, then the probes and metrics, git (before any body parsing), body parsing,
 * the API routers and the client.
 */
import Koa from 'koa';
import type { Services } from '../services.js';
import { errorBoundary } from './error-boundary.js';
import { GitAuthenticator } from './git/basic-auth.js';
import { gitSmartHttp } from './git/smart-http.js';
import { jsonBody } from './json-body.js';
import { requestId } from './request-id.js';
import { activityRoutes } from './routes/activity.js';
import { adminRoutes } from './routes/admin.js';
import { authRoutes } from './routes/auth.js';
import { chatRoutes } from './routes/chat.js';
import { downloadRoutes } from './routes/downloads.js';
import { fileHistoryRoutes } from './routes/file-history.js';
import { healthRoutes } from './routes/health.js';
import { inviteRoutes } from './routes/invites.js';
import { liveCommentRoutes } from './routes/live-comments.js';
import { metricsRoutes } from './routes/metrics.js';
import { oidcRoutes } from './routes/oidc.js';
import { searchRoutes } from './routes/search.js';
import { serverInfoRoutes } from './routes/server-info.js';
import { sessionRoutes } from './routes/sessions.js';
import { tokenRoutes } from './routes/tokens.js';
import { versionRoutes } from './routes/versions.js';
import { securityHeaders } from './security-headers.js';
import { staticClient } from './static-client.js';

export function createApp(services: Services): Koa {
  // Behind one proxy, trust only the X-Forwarded-For entry it wrote (the last): earlier ones are
  // whatever the client sent, and per-IP rate limits must not take them.
  const app = new Koa({ proxy: services.config.trustProxy, maxIpsCount: 1 });
  // Koa logs every error itself unless told not to; ours are answered (and logged) by the boundary.
  app.silent = true;
  app.use(requestId(services.logger));
  app.use(securityHeaders({ tls: Boolean(services.config.tlsCertFile && services.config.tlsKeyFile) }));
  app.use(errorBoundary(services.logger));
  app.use(async (ctx, next) => {
    if (ctx.path.startsWith('/api/')) ctx.set('Cache-Control', 'no-store');
    await next();
  });

  app.use(healthRoutes(services).routes());
  app.use(metricsRoutes(services).routes());

  // Before any body parsing: git request bodies stream straight into git http-backend.
  // One Basic authenticator (and its cache) for git and for downloads, which accept it too.
  const gitAuth = new GitAuthenticator(
    services.store,
    services.limiters.login,
    services.config.localPasswords,
  );
  app.use(gitSmartHttp(services, gitAuth));
  app.use(jsonBody(services.config.maxBodyBytes));
  const routers = [
    authRoutes(services),
    oidcRoutes(services),
    // Before sessionRoutes: its GET /files/:fileId would take /files/history (file ids are 16 characters).
    fileHistoryRoutes(services),
    sessionRoutes(services),
    chatRoutes(services),
    ...activityRoutes(services),
    ...inviteRoutes(services),
    adminRoutes(services),
    searchRoutes(services),
    tokenRoutes(services),
    versionRoutes(services),
    liveCommentRoutes(services),
    downloadRoutes(services, gitAuth),
    serverInfoRoutes(services),
  ];
  for (const router of routers) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  app.use(staticClient(services.config.clientDir));
  return app;
}
