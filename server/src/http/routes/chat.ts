/** Chat history (paged, newest first) and sending over REST for tools; live chat is on the socket. */
import Router from '@koa/router';
import { z } from 'zod';
import { toPublicUser } from '../../auth/colors.js';
import { chatNonceSchema } from '../../chat/service.js';
import { parseWith } from '../../errors/validation.js';
import type { Services } from '../../services.js';
import { type AuthState, authenticate, requireSession } from '../authenticate.js';

const pageSchema = z.object({
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export function chatRoutes(services: Services): Router<AuthState> {
  const router = new Router<AuthState>({ prefix: '/api/sessions/:sessionId/chat' });
  router.use(authenticate(services));

  router.get('/', requireSession(services, 'session.read'), async (ctx) => {
    const { before, limit } = parseWith(pageSchema, ctx.query);
    const sessionId = ctx.params.sessionId!;
    ctx.body = { messages: await services.chat.page(sessionId, { before, limit }) };
  });

  router.post('/', requireSession(services, 'session.chat'), async (ctx) => {
    const { text, nonce } = parseWith(
      z.object({ text: z.unknown(), nonce: chatNonceSchema }),
      ctx.request.body,
    );
    const user = toPublicUser(ctx.state.auth.user);
    ctx.status = 201;
    ctx.body = { message: await services.chat.send(ctx.params.sessionId!, user, text, nonce) };
  });

  return router;
}
