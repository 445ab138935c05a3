/**
 * `GET /metrics`: Prometheus' text format, for a scraper holding `METRICS_TOKEN`. Without the
 * setting the endpoint does not exist (404); with it, a request without the right
 * `Authorization: Bearer <token>` gets 401. The token is compared in constant time (both sides
 * hashed first, so neither their contents nor their lengths leak through timing).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import { AppError } from '../../errors/app-error.js';
import type { Services } from '../../services.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function metricsRoutes(services: Services): Router {
  const router = new Router();
  const token = services.config.metricsToken;
  const expected = token === undefined ? undefined : digest(token);
  router.get('/metrics', async (ctx) => {
    if (!expected) throw new AppError('ERR_NOT_FOUND', 'Metrics are off: set METRICS_TOKEN to serve them.');
    const m = /^Bearer (.+)$/.exec(ctx.get('authorization'));
    if (!m || !timingSafeEqual(digest(m[1]!), expected)) {
      throw new AppError('ERR_UNAUTHENTICATED', 'Metrics need "Authorization: Bearer <METRICS_TOKEN>".');
    }
    const { body, contentType } = await services.metrics.scrape();
    ctx.type = contentType;
    ctx.body = body;
  });
  return router;
}
