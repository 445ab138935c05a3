/** Instance settings for the admin (the first account): registration open or by invitation only. */
import Router from '@koa/router';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.js';
import { parseWith } from '../../errors/validation.js';
import type { Services } from '../../services.js';
import { type AuthState, authenticate } from '../authenticate.js';

const settingsSchema = z.object({ registration: z.enum(['open', 'invite']) });

export async function registrationPolicy(services: Services): Promise<'open' | 'invite'> {
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
  return router;
}
