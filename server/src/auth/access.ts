/**
 * Who may do what in a session: the members table behind a small cache, checked against the one
 * role → permission table (protocol/roles.ts). Every transport asks here; nothing else decides.
 */
import { AppError } from '../errors/app-error.js';
import { can, type Permission, type Role } from '../protocol/roles.js';
import type { Store } from '../storage/types.js';

export class AccessControl {
  /** sessionId → userId → role (null: known non-member). Cleared on any membership change. */
  private readonly cache = new Map<string, Map<string, Role | null>>();

  constructor(private readonly store: Store) {}

  async roleOf(userId: string, sessionId: string): Promise<Role | null> {
    const roles = this.cache.get(sessionId);
    const cached = roles?.get(userId);
    if (cached !== undefined) return cached;
    const role = await this.store.members.role(sessionId, userId);
    let map = this.cache.get(sessionId);
    if (!map) {
      map = new Map();
      this.cache.set(sessionId, map);
    }
    map.set(userId, role);
    return role;
  }

  /** The same answer synchronously when cached (hot paths: op fan-out), else undefined. */
  cachedRole(userId: string, sessionId: string): Role | null | undefined {
    return this.cache.get(sessionId)?.get(userId);
  }

  async can(userId: string, sessionId: string, permission: Permission): Promise<boolean> {
    return can(await this.roleOf(userId, sessionId), permission);
  }

  /**
   * Resolves to the caller's role when allowed. A non-member gets ERR_SESSION_NOT_FOUND, exactly
   * as for a session that does not exist; a member without the permission gets ERR_FORBIDDEN.
   */
  async require(userId: string, sessionId: string, permission: Permission): Promise<Role> {
    const role = await this.roleOf(userId, sessionId);
    // Memberships are deleted with their session, so a role implies the session exists.
    if (role === null) {
      throw new AppError('ERR_SESSION_NOT_FOUND', 'Session not found.');
    }
    if (!can(role, permission))
      throw new AppError('ERR_FORBIDDEN', 'Your role in this session does not allow that.');
    return role;
  }

  /** Forget cached roles after a membership change (one user, or the whole session). */
  invalidate(sessionId: string, userId?: string): void {
    if (userId === undefined) this.cache.delete(sessionId);
    else this.cache.get(sessionId)?.delete(userId);
  }
}
