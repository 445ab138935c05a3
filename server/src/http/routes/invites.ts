/** Invitation links: owners create, list and revoke them; anyone logged in previews and accepts. */
import Router from '@koa/router';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.js';
import { parseWith } from '../../errors/validation.js';
import type { Services } from '../../services.js';
import { acceptInvite, createInvite, previewInvite, publicInvite } from '../../sessions/invites.js';
import { type AuthState, authenticate, requireSession } from '../authenticate.js';
import { publicOrigin } from '../public-url.js';

const createSchema = z.object({
  // Ownership is handed over explicitly (transfer), never through a link.
  role: z.enum(['editor', 'commenter', 'viewer']),
  expiresInHours: z
    .number()
    .positive()
    .max(24 * 365)
    .nullable()
    .optional(),
  maxUses: z.number().int().min(1).max(10_000).nullable().optional(),
});

export function inviteRoutes(services: Services): Router<AuthState>[] {
  const manage = requireSession(services, 'session.manage');
  const perSession = new Router<AuthState>({ prefix: '/api/sessions/:sessionId/invites' });
  perSession.use(authenticate(services));

  perSession.post('/', manage, async (ctx) => {
    const input = parseWith(createSchema, ctx.request.body);
    const invite = await createInvite(services, ctx.params.sessionId!, ctx.state.auth.user.id, input);
    ctx.status = 201;
    ctx.body = publicInvite(invite, publicOrigin(services.config, ctx.req.socket));
  });

  perSession.get('/', manage, async (ctx) => {
    const list = await services.store.invites.listForSession(ctx.params.sessionId!);
    const origin = publicOrigin(services.config, ctx.req.socket);
    ctx.body = { invites: list.map((i) => publicInvite(i, origin)) };
  });

  perSession.delete('/:token', manage, async (ctx) => {
    if (!(await services.store.invites.revoke(ctx.params.sessionId!, ctx.params.token!))) {
      throw new AppError('ERR_INVITE_NOT_FOUND', 'No such invitation in this session.');
    }
    ctx.status = 204;
  });

  const byToken = new Router<AuthState>({ prefix: '/api/invites' });
  byToken.use(authenticate(services));
  byToken.get('/:token', async (ctx) => {
    ctx.body = await previewInvite(services, ctx.params.token!, ctx.state.auth.user.id);
  });
  byToken.post('/:token/accept', async (ctx) => {
    ctx.body = await acceptInvite(services, ctx.params.token!, ctx.state.auth.user.id);
  });

  return [perSession, byToken];
}
