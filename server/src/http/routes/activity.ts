/**
 * What happened while I was away: a session's activity log (`GET /api/sessions/:id/activity`),
 * and my @mentions across sessions with their read state (`GET /api/mentions`,
 * `POST /api/mentions/read`).
 */
import Router from '@koa/router';
import { z } from 'zod';
import { parseWith } from '../../errors/validation.js';
import { ACTIVITY_KEEP, MENTIONS_KEEP } from '../../protocol/activity.js';
import type { Services } from '../../services.js';
import { type AuthState, authenticate, requireSession } from '../authenticate.js';

const activitySchema = z.object({
  since: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(ACTIVITY_KEEP).default(50),
});

const mentionsSchema = z.object({
  unread: z.enum(['0', '1', 'true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(MENTIONS_KEEP).default(50),
});

const readSchema = z
  .object({ ids: z.array(z.number().int().positive()).max(MENTIONS_KEEP).optional() })
  .strict();

export function activityRoutes(services: Services): Router<AuthState>[] {
  const session = new Router<AuthState>({ prefix: '/api/sessions/:sessionId/activity' });
  session.use(authenticate(services));
  session.get('/', requireSession(services, 'session.read'), async (ctx) => {
    const { since, limit } = parseWith(activitySchema, ctx.query);
    ctx.body = { entries: await services.activity.since(ctx.params.sessionId!, since, limit) };
  });

  const mentions = new Router<AuthState>({ prefix: '/api/mentions' });
  mentions.use(authenticate(services));
  mentions.get('/', async (ctx) => {
    const { unread, limit } = parseWith(mentionsSchema, ctx.query);
    const userId = ctx.state.auth.user.id;
    const unreadOnly = unread === '1' || unread === 'true';
    ctx.body = {
      mentions: await services.mentions.list(userId, { unreadOnly, limit }),
      unread: await services.mentions.unread(userId),
    };
  });
  mentions.post('/read', async (ctx) => {
    const { ids } = parseWith(readSchema, ctx.request.body ?? {});
    ctx.body = await services.mentions.markRead(ctx.state.auth.user.id, ids);
  });
  return [session, mentions];
}
