/**
 * Auth as middleware: `authenticate` turns a Bearer token into `ctx.state.auth`;
 * `requireSession(permission)` resolves `:sessionId` to the caller's role or refuses.
 */
import type { Middleware } from 'koa';
import type { Authenticated } from '../auth/tokens.js';
import { AppError } from '../errors/app-error.js';
import type { Permission, Role } from '../protocol/roles.js';
import type { Services } from '../services.js';
import { isSessionId } from '../sessions/ids.js';

export interface AuthState {
  auth: Authenticated;
  role?: Role;
}

export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return m?.[1];
}

export function authenticate(services: Services): Middleware<AuthState> {
  return async (ctx, next) => {
    const token = bearerToken(ctx.get('authorization'));
    if (!token) throw new AppError('ERR_UNAUTHENTICATED', 'Log in first.');
    ctx.state.auth = await services.tokens.verify(token);
    return next();
  };
}

export function requireSession(services: Services, permission: Permission): Middleware<AuthState> {
  return async (ctx, next) => {
    const sessionId = (ctx as unknown as { params: Record<string, string> }).params.sessionId ?? '';
    if (!isSessionId(sessionId)) throw new AppError('ERR_SESSION_NOT_FOUND', 'Session not found.');
    ctx.state.role = await services.access.require(ctx.state.auth.user.id, sessionId, permission);
    return next();
  };
}
