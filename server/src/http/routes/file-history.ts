/** One file's past: the versions that changed it, and blame with the live overlay (issue 15, item 3). */
import Router from '@koa/router';
import { z } from 'zod';
import { parseWith } from '../../errors/validation.js';
import type { Services } from '../../services.js';
import { type AuthState, authenticate, requireSession } from '../authenticate.js';

const fileHistorySchema = z.object({
  path: z.string().min(1).max(4096),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.string().min(4).max(64).optional(),
});

export function fileHistoryRoutes(services: Services): Router<AuthState> {
  const router = new Router<AuthState>({ prefix: '/api/sessions/:sessionId' });
  router.use(authenticate(services));
  const read = requireSession(services, 'session.read');

  router.get('/files/history', read, async (ctx) => {
    const { path, limit, before } = parseWith(fileHistorySchema, ctx.query);
    ctx.body = await services.fileHistory.fileHistory(ctx.params.sessionId!, { path, limit, before });
  });

  router.get('/blame', read, async (ctx) => {
    const { path } = parseWith(z.object({ path: z.string().min(1).max(4096) }), ctx.query);
    ctx.body = await services.fileHistory.blame(ctx.params.sessionId!, path);
  });

  return router;
}
