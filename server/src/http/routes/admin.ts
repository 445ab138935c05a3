/**
 * The admin's API (the first account, and whoever it makes admin): the registration policy,
 * accounts (disable, reset the password, make admin), every session with its size and last
 * activity, and disk use. Everyone else gets 403.
 */
import Router from '@koa/router';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.js';
import { parseWith } from '../../errors/validation.js';
import type { RegistrationPolicy } from '../../protocol/admin.js';
import type { Services } from '../../services.js';
import { type AuthState, authenticate } from '../authenticate.js';

const settingsSchema = z.object({ registration: z.enum(['open', 'invite']) });
const userPatchSchema = z
  .object({ disabled: z.boolean().optional(), isAdmin: z.boolean().optional() })
  .strict()
  .refine((p) => p.disabled !== undefined || p.isAdmin !== undefined, 'Nothing to change.');
const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The `:userId` of the route, or ERR_USER_NOT_FOUND for anything that cannot be an id. */
function userIdParam(raw: string | undefined): string {
  if (raw === undefined || !USER_ID.test(raw)) throw new AppError('ERR_USER_NOT_FOUND', 'No such user.');
  return raw;
}

export async function registrationPolicy(services: Services): Promise<RegistrationPolicy> {
  return (await services.store.settings.get('registration')) === 'invite' ? 'invite' : 'open';
}

export function adminRoutes(services: Services): Router<AuthState> {
  const router = new Router<AuthState>({ prefix: '/api/admin' });
  router.use(authenticate(services), async (ctx, next) => {
    if (!ctx.state.auth.user.isAdmin)
      throw new AppError('ERR_FORBIDDEN', 'Only the server admin can do that.');
    await next();
  });
  router.get('/settings', async (ctx) => {
    ctx.body = { registration: await registrationPolicy(services) };
  });
  router.put('/settings', async (ctx) => {
    const input = parseWith(settingsSchema, ctx.request.body);
    await services.store.settings.set('registration', input.registration);
    ctx.body = input;
  });

  router.get('/users', async (ctx) => {
    ctx.body = { users: await services.admin.users() };
  });
  router.patch('/users/:userId', async (ctx) => {
    const userId = userIdParam(ctx.params.userId);
    const patch = parseWith(userPatchSchema, ctx.request.body);
    ctx.body = { user: await services.admin.updateUser(ctx.state.auth.user.id, userId, patch) };
  });
  router.post('/users/:userId/reset-password', async (ctx) => {
    ctx.body = await services.admin.resetPassword(userIdParam(ctx.params.userId));
  });
  router.get('/sessions', async (ctx) => {
    ctx.body = { sessions: await services.admin.sessions() };
  });
  router.get('/disk', async (ctx) => {
    ctx.body = await services.admin.disk();
  });
  return router;
}
