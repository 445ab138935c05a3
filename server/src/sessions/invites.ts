/**
 * Invitation links: an owner makes a token with a role, an expiry and a use limit; a logged-in
 * user who opens `/join/<token>` becomes a member with that role. Consuming a use is atomic in
 * the store, so a link limited to N uses admits exactly N people however many click at once, and
 * so is joining, which refuses a link older than the owner's last cut of that person's access.
 */
import { AppError } from '../errors/app-error.js';
import { EVENTS } from '../protocol/events.js';
import { INVITE_TOKEN_RE } from '../protocol/invites.js';
import { ROLE_RANK, type Role } from '../protocol/roles.js';
import { inviteRevoked } from '../storage/member-changes.js';
import type { InviteRecord } from '../storage/types.js';
import { randomId } from './ids.js';
import type { MembershipDeps } from './members.js';

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
  deps: MembershipDeps,
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
  await deps.store.invites.create(invite);
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

/** The invite behind `token` if it can be used now; else throws why not. */
async function usableInvite(deps: MembershipDeps, token: string): Promise<InviteRecord> {
  const invite = INVITE_TOKEN_RE.test(token) ? await deps.store.invites.byToken(token) : null;
  const problem = unusable(invite, Date.now());
  if (problem) throw problem;
  return invite!;
}

/**
 * The invite as a join page shows it, or the reason it cannot be used (by `userId`, when given:
 * a link older than the owner's last cut of their access answers ERR_INVITE_REVOKED up front).
 */
export async function previewInvite(deps: MembershipDeps, token: string, userId?: string) {
  const invite = await usableInvite(deps, token);
  if (userId !== undefined) await refuseIfCut(deps, invite, userId);
  const session = await deps.store.sessions.byId(invite.sessionId);
  if (!session)
    throw new AppError('ERR_INVITE_NOT_FOUND', 'The session of this invitation no longer exists.');
  return {
    sessionId: session.id,
    sessionName: session.name,
    role: invite.role,
    expiresAt: invite.expiresAt,
  };
}

/**
 * Counts one use of the invite atomically (a link for N people admits N, however many click at
 * once) and returns it; throws why it cannot be used. The caller joins the user next, or gives
 * the use back with `store.invites.release` when it cannot.
 */
export async function consumeInvite(deps: MembershipDeps, token: string): Promise<InviteRecord> {
  await usableInvite(deps, token);
  const consumed = await deps.store.invites.consume(token, Date.now());
  if (!consumed)
    throw (
      unusable(await deps.store.invites.byToken(token), Date.now()) ??
      new AppError('ERR_INVITE_EXPIRED', 'This invitation has been used up.')
    );
  return consumed;
}

/**
 * Makes `userId` a member through the invite. The rule (docs/api.md, Invitations):
 * - someone already in the session with a role at least the link's keeps it and uses nothing up;
 * - a link made before the owner last lowered or removed this person's access cannot give it
 *   back (ERR_INVITE_REVOKED, nothing used up); a link made after works as for anyone;
 * - otherwise one use is consumed atomically and the role granted.
 * Both checks are made again by the store inside the join itself, so a change racing this
 * request cannot slip through; a use consumed for a join that then fails is given back.
 */
export async function acceptInvite(
  deps: MembershipDeps,
  token: string,
  userId: string,
): Promise<{ sessionId: string; role: Role }> {
  const invite = await usableInvite(deps, token);
  const sessionId = invite.sessionId;
  const current = await deps.access.roleOf(userId, sessionId);
  if (current && ROLE_RANK[current] >= ROLE_RANK[invite.role]) return { sessionId, role: current };
  await refuseIfCut(deps, invite, userId);
  const consumed = await consumeInvite(deps, token);
  return joinThrough(deps, consumed, userId, { consumed: true });
}

/** Throws ERR_INVITE_REVOKED when the owner cut `userId`'s access after the invite was made. */
async function refuseIfCut(deps: MembershipDeps, invite: InviteRecord, userId: string): Promise<void> {
  const cut = await deps.store.members.cutAt(invite.sessionId, userId);
  if (cut !== null && cut > invite.createdAt) throw inviteRevoked();
}

/**
 * Joins `userId` to the invite's session with the store's atomic `members.join`, then tells
 * their tabs and the members panels. With `consumed`, the use counted for this join is given
 * back when the join grants nothing (refused, or the person already had the role by then).
 */
export async function joinThrough(
  deps: MembershipDeps,
  invite: InviteRecord,
  userId: string,
  { consumed }: { consumed: boolean },
): Promise<{ sessionId: string; role: Role }> {
  const { store, access, live } = deps;
  const sessionId = invite.sessionId;
  let role: Role;
  try {
    role = await deps.sessions.serialize(sessionId, () =>
      store.members.join(sessionId, userId, invite.role, invite.createdAt),
    );
  } catch (err) {
    if (consumed) await store.invites.release(invite.token);
    throw err;
  }
  if (role !== invite.role) {
    if (consumed) await store.invites.release(invite.token);
    return { sessionId, role };
  }
  access.invalidate(sessionId, userId);
  live.notifyUser(userId, EVENTS.sessionRole, { sessionId, role });
  live.notifySession(sessionId, EVENTS.sessionEvent, { sessionId, type: 'members' });
  return { sessionId, role };
}
