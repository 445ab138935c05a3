/** Personal access tokens for git clone over HTTP: create (secret shown once), list, delete. */
import Router from '@koa/router';
import { z } from 'zod';
import { createAccessToken, publicToken } from '../../auth/access-tokens.js';
import { AppError } from '../../errors/app-error.js';
import { parseWith } from '../../errors/validation.js';
import type { Services } from '../../services.js';
import { type AuthState, authenticate } from '../authenticate.js';

const createSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1)
    .max(64)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'no control characters'),
});

export function tokenRoutes(services: Services): Router<AuthState> {
  const { store } = services;
  const router = new Router<AuthState>({ prefix: '/api/tokens' });
  router.use(authenticate(services));

  router.post('/', async (ctx) => {
    const { name } = parseWith(createSchema, ctx.request.body);
    ctx.status = 201;
    ctx.body = await createAccessToken(store, ctx.state.auth.user.id, name);
  });

  router.get('/', async (ctx) => {
    const list = await store.accessTokens.listForUser(ctx.state.auth.user.id);
    ctx.body = { tokens: list.map(publicToken) };
  });

  router.delete('/:id', async (ctx) => {
    if (!(await store.accessTokens.delete(ctx.state.auth.user.id, ctx.params.id!))) {
      throw new AppError('ERR_TOKEN_NOT_FOUND', 'No such token.');
    }
    ctx.status = 204;
  });

  return router;
}
