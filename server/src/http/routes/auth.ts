/** Accounts: register, log in, who am I, log out. */
import Router from '@koa/router';
import { z } from 'zod';
import { toPublicUser } from '../../auth/colors.js';
import { assertLocalAccount } from '../../auth/external-accounts.js';
import { defaultGitEmail } from '../../auth/git-identity.js';
import { LdapDirectory } from '../../auth/ldap.js';
import { localLoginDisabled, signInWithPassword } from '../../auth/password-sign-in.js';
import {
  hashPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  verifyPassword,
} from '../../auth/passwords.js';
import { AppError } from '../../errors/app-error.js';
import { parseWith } from '../../errors/validation.js';
import { USERNAME_RE } from '../../protocol/accounts.js';
import { gitEmailProblem, gitNameProblem } from '../../protocol/git-identity.js';
import type { Role } from '../../protocol/roles.js';
import type { Services } from '../../services.js';
import { randomId } from '../../sessions/ids.js';
import { acceptInvite, consumeInvite, joinThrough, previewInvite } from '../../sessions/invites.js';
import type { UserRecord } from '../../storage/types.js';
import { type AuthState, authenticate } from '../authenticate.js';
import { registrationPolicy } from './admin.js';
import { signInMethods } from './sign-in-methods.js';

export { USERNAME_RE };

const username = z
  .string()
  .regex(USERNAME_RE, '3 to 32 characters: lowercase letters, digits, "_", "." or "-"');
const password = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `at most ${MAX_PASSWORD_LENGTH} characters`);
const displayName = z
  .string()
  .trim()
  .min(1)
  .max(64)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'no control characters');

const registerSchema = z.object({
  username,
  password,
  displayName: displayName.optional(),
  invite: z.string().max(64).optional(),
});
const loginSchema = z.object({ username: z.string().max(64), password: z.string().max(MAX_PASSWORD_LENGTH) });

/**
 * A git name or e-mail as set through `PATCH /api/auth/me`: trimmed; `null` or `""` goes back to
 * the default.
 */
const gitField = (problem: (s: string) => string | null) =>
  z
    .string()
    .max(1000)
    .trim()
    .nullable()
    .transform((s) => (s ? s : null))
    .superRefine((s, ctx) => {
      const p = s === null ? null : problem(s);
      if (p) ctx.addIssue({ code: 'custom', message: p });
    });
const gitIdentitySchema = z.strictObject({
  gitName: gitField(gitNameProblem).optional(),
  gitEmail: gitField(gitEmailProblem).optional(),
});

/** What clients see of a user. */
export function publicUser(u: UserRecord) {
  return { ...toPublicUser(u), isAdmin: u.isAdmin };
}

export function authRoutes(services: Services): Router<AuthState> {
  const { store, tokens, limiters } = services;
  const router = new Router<AuthState>({ prefix: '/api/auth' });
  // The directory that checks passwords at login, when one is configured.
  const directory = services.config.ldap ? new LdapDirectory(services.config.ldap, services.logger) : null;

  router.post('/register', async (ctx) => {
    if (!services.config.localPasswords) throw localLoginDisabled();
    limiters.registerPerIp.take(ctx.ip);
    const input = parseWith(registerSchema, ctx.request.body);
    // Only a hint for the policy check: who is admin is decided by the store, atomically.
    const empty = (await store.users.count()) === 0;
    const byInvitation = !empty && (await registrationPolicy(services)) === 'invite';
    if (byInvitation) {
      if (!input.invite)
        throw new AppError('ERR_REGISTRATION_CLOSED', 'Registration is by invitation only on this server.');
      // Check the link before paying for a password hash it cannot admit.
      await previewInvite(services, input.invite);
    }
    if (await store.users.byUsername(input.username)) {
      throw new AppError('ERR_USERNAME_TAKEN', 'That username is taken.');
    }
    const passwordHash = await hashPassword(input.password);
    // Invitation only: the use that admits this account is counted before the account exists, so
    // a link for one person creates one account however many register with it at once.
    const admission = byInvitation ? await consumeInvite(services, input.invite!) : null;
    let user: UserRecord;
    try {
      user = await store.users.create({
        id: randomId(16),
        username: input.username,
        displayName: input.displayName ?? input.username,
        passwordHash,
        createdAt: Date.now(),
        tokensValidAfter: 0,
      });
    } catch (err) {
      if (admission) await store.invites.release(admission.token);
      throw err;
    }
    let joined: { sessionId: string; role: Role } | null = null;
    // A session deleted since the link was checked leaves an account that joined nothing.
    if (admission)
      joined = await joinThrough(services, admission, user.id, { consumed: true }).catch(() => null);
    else if (input.invite) joined = await acceptInvite(services, input.invite, user.id).catch(() => null);
    ctx.status = 201;
    ctx.body = { token: tokens.issue(user), user: publicUser(user), ...(joined ? { joined } : {}) };
  });

  router.post('/login', async (ctx) => {
    const input = parseWith(loginSchema, ctx.request.body);
    // Per (IP, username) with backoff, plus a per-IP ceiling: slows a guesser, never locks the
    // owner out from their own machine. One throttle for local and directory passwords alike.
    const attempt = limiters.login.take(ctx.ip, input.username);
    let user: UserRecord;
    try {
      user = await signInWithPassword(services, directory, input.username, input.password);
    } catch (err) {
      const code = err instanceof AppError ? err.code : null;
      if (code === 'ERR_BAD_CREDENTIALS' || code === 'ERR_EXTERNAL_ACCOUNT') attempt.failed();
      // The password was right: the account is refused for another reason.
      else if (code === 'ERR_ACCOUNT_DISABLED') attempt.succeeded();
      throw err;
    }
    attempt.succeeded();
    ctx.body = { token: tokens.issue(user), user: publicUser(user) };
  });

  /** The signed-in user as they see themselves: with the name and e-mail on their commits. */
  const me = (u: UserRecord) => ({
    ...publicUser(u),
    // Where the account signs in: a directory account has no password here to change.
    source: u.source,
    git: {
      // null: the default below is used.
      name: u.gitName,
      email: u.gitEmail,
      defaultName: u.displayName,
      defaultEmail: defaultGitEmail(u.username, services.config.gitEmailDomain),
    },
  });

  router.get('/me', authenticate(services), (ctx) => {
    ctx.body = { user: me(ctx.state.auth.user) };
  });

  // The git identity on the user's commits from now on (history is never rewritten).
  router.patch('/me', authenticate(services), async (ctx) => {
    const input = parseWith(gitIdentitySchema, ctx.request.body);
    const { user } = ctx.state.auth;
    await store.users.update(user.id, input);
    ctx.body = { user: me({ ...user, ...input }) };
  });

  // Whether the register page should ask for an invitation, and which ways to sign in the login
  // page offers (no auth: shown before an account exists).
  router.get('/policy', async (ctx) => {
    const empty = (await store.users.count()) === 0;
    ctx.body = {
      registration: empty ? 'open' : await registrationPolicy(services),
      methods: signInMethods(services.config),
    };
  });

  router.post('/logout', authenticate(services), async (ctx) => {
    await tokens.revoke(ctx.state.auth.claims);
    services.live.disconnectToken(ctx.state.auth.claims.jti);
    ctx.status = 204;
  });

  router.post('/password', authenticate(services), async (ctx) => {
    const input = parseWith(
      z.object({ currentPassword: z.string().max(MAX_PASSWORD_LENGTH), newPassword: password }),
      ctx.request.body,
    );
    const { user } = ctx.state.auth;
    assertLocalAccount(user);
    if (!services.config.localPasswords) throw localLoginDisabled();
    const attempt = limiters.login.take(ctx.ip, user.username);
    if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
      attempt.failed();
      throw new AppError('ERR_BAD_CREDENTIALS', 'The current password is wrong.');
    }
    attempt.succeeded();
    // Every token issued before now stops working, on every device.
    const now = Date.now();
    await store.users.update(user.id, {
      passwordHash: await hashPassword(input.newPassword),
      tokensValidAfter: now,
    });
    services.live.disconnectUser(user.id);
    // A token issued at the cut-off itself stays valid (only iatMs < tokensValidAfter is refused).
    const fresh = { ...user, tokensValidAfter: now };
    ctx.body = { token: tokens.issue(fresh), user: publicUser(fresh) };
  });

  return router;
}
