/**
 * Invitation links: an owner makes a token with a role, an expiry and a use limit; a logged-in
 * user who opens `/join/<token>` becomes a member with that role. Consuming a use is atomic in
 * the store, so a link limited to N uses admits exactly N people however many click at once.
 */
import { AppError } from '../errors/app-error.js';
import { can, type Role } from '../protocol/roles.js';
import type { Services } from '../services.js';
import type { InviteRecord } from '../storage/types.js';
import { randomId } from './ids.js';
import { applyMemberChanges } from './members.js';

export const INVITE_TOKEN_RE = /^[a-z0-9]{24}$/;
const RANK: Record<Role, number> = { viewer: 0, commenter: 1, editor: 2, owner: 3 };

export function publicInvite(invite: InviteRecord, origin: string) {
  return {
    token: invite.token,
    url: `${origin}/join/${invite.token}`,
    role: invite.role,
    createdAt: invite.createdAt,
    expiresAt: invite.expiresAt,
    maxUses: invite.maxUses,
    uses: invite.uses,
    revoked: invite.revoked,
  };
}

export async function createInvite(
  services: Services,
  sessionId: string,
  createdBy: string,
  opts: { role: Role; expiresInHours?: number | null; maxUses?: number | null },
): Promise<InviteRecord> {
  const now = Date.now();
  const invite: InviteRecord = {
    token: randomId(24),
    sessionId,
    role: opts.role,
    createdBy,
    createdAt: now,
    // A link that never expires has to be asked for (null); the default is a week.
    expiresAt: opts.expiresInHours === null ? null : now + (opts.expiresInHours ?? 168) * 3_600_000,
    maxUses: opts.maxUses ?? null,
    uses: 0,
    revoked: false,
  };
  await services.store.invites.create(invite);
  return invite;
}

/** Why an invite cannot be used now, or null when it can. */
function unusable(invite: InviteRecord | null, now: number): AppError | null {
  if (!invite || invite.revoked)
    return new AppError('ERR_INVITE_NOT_FOUND', 'This invitation does not exist or was revoked.');
  if (invite.expiresAt !== null && invite.expiresAt <= now) {
    return new AppError('ERR_INVITE_EXPIRED', 'This invitation has expired. Ask for a new link.');
  }
  if (invite.maxUses !== null && invite.uses >= invite.maxUses) {
    return new AppError('ERR_INVITE_EXPIRED', 'This invitation has been used up. Ask for a new link.');
  }
  return null;
}

/** The invite as a join page shows it, or the reason it cannot be used. */
export async function previewInvite(services: Services, token: string) {
  const invite = INVITE_TOKEN_RE.test(token) ? await services.store.invites.byToken(token) : null;
  const problem = unusable(invite, Date.now());
  if (problem) throw problem;
  const session = await services.store.sessions.byId(invite!.sessionId);
  if (!session)
    throw new AppError('ERR_INVITE_NOT_FOUND', 'The session of this invitation no longer exists.');
  return {
    sessionId: session.id,
    sessionName: session.name,
    role: invite!.role,
    expiresAt: invite!.expiresAt,
  };
}

/**
 * Makes `userId` a member through the invite. Someone already in the session keeps a higher role
 * and uses up nothing; otherwise one use is consumed atomically and the role granted.
 */
export async function acceptInvite(
  services: Services,
  token: string,
  userId: string,
): Promise<{ sessionId: string; role: Role }> {
  const { store, access } = services;
  const invite = INVITE_TOKEN_RE.test(token) ? await store.invites.byToken(token) : null;
  const problem = unusable(invite, Date.now());
  if (problem) throw problem;
  const sessionId = invite!.sessionId;
  const current = await access.roleOf(userId, sessionId);
  if (can(current, 'session.read') && RANK[current!] >= RANK[invite!.role])
    return { sessionId, role: current! };
  const consumed = await store.invites.consume(token, Date.now());
  if (!consumed)
    throw (
      unusable(await store.invites.byToken(token), Date.now()) ??
      new AppError('ERR_INVITE_EXPIRED', 'This invitation has been used up.')
    );
  await applyMemberChanges(services, sessionId, [{ userId, role: consumed.role }]);
  return { sessionId, role: consumed.role };
}
