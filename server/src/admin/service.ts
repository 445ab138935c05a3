/**
 * What the admin page shows and does: every account (disable, reset the password, make admin),
 * every session with its size and last activity, and the disk use of DATA_DIR and REPOS_DIR.
 * Only the admin routes call it; they check the caller is the admin.
 */
import { randomBytes } from 'node:crypto';
import { assertLocalAccount } from '../auth/external-accounts.js';
import { localLoginDisabled } from '../auth/password-sign-in.js';
import { hashPassword } from '../auth/passwords.js';
import type { Config } from '../config/index.js';
import { AppError } from '../errors/app-error.js';
import { repoPath } from '../git/index.js';
import type { LiveClients } from '../ports/live-clients.js';
import type { AdminDirUsage, AdminDisk, AdminSession, AdminUser } from '../protocol/admin.js';
import type { SessionService } from '../sessions/service.js';
import type { Store, UserRecord } from '../storage/types.js';
import { fileSystemSpace, treeUsage } from './disk.js';

const toAdminUser = (u: UserRecord): AdminUser => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  isAdmin: u.isAdmin,
  disabled: u.disabled,
  source: u.source,
  createdAt: u.createdAt,
});

interface Deps {
  store: Store;
  sessions: SessionService;
  config: Config;
  live: LiveClients;
}

export class AdminService {
  /** Latest edit per session since this process started, ms (edits are not stored with a time). */
  private readonly lastEdit = new Map<string, number>();

  constructor(private readonly s: Deps) {}

  noteEdit(sessionId: string, at = Date.now()): void {
    this.lastEdit.set(sessionId, at);
  }

  async users(): Promise<AdminUser[]> {
    return (await this.s.store.users.list()).map(toAdminUser);
  }

  /**
   * Disables or enables an account, or gives or takes admin rights. The admin cannot do either
   * to themselves: the server would be left without anyone able to undo it.
   */
  async updateUser(actorId: string, userId: string, patch: { disabled?: boolean; isAdmin?: boolean }) {
    const user = await this.s.store.users.byId(userId);
    if (!user) throw new AppError('ERR_USER_NOT_FOUND', 'No such user.');
    if (userId === actorId && (patch.disabled === true || patch.isAdmin === false))
      throw new AppError(
        'ERR_FORBIDDEN',
        'You cannot disable your own account or give up your own admin rights: make someone else admin first.',
      );
    const update: { disabled?: boolean; isAdmin?: boolean; tokensValidAfter?: number } = { ...patch };
    // Disabling signs the account out everywhere: its tokens die and its sockets close.
    if (patch.disabled === true && !user.disabled) update.tokensValidAfter = Date.now();
    await this.s.store.users.update(userId, update);
    if (update.tokensValidAfter !== undefined) this.s.live.disconnectUser(userId);
    return toAdminUser((await this.s.store.users.byId(userId))!);
  }

  /**
   * Gives the account a new random password, shown once to the admin to hand over, and signs it
   * out everywhere (personal access tokens for git stay: they are not passwords). Refused for a
   * directory account (ERR_EXTERNAL_ACCOUNT) and while local passwords are off.
   */
  async resetPassword(userId: string): Promise<{ password: string }> {
    const user = await this.s.store.users.byId(userId);
    if (!user) throw new AppError('ERR_USER_NOT_FOUND', 'No such user.');
    assertLocalAccount(user);
    if (!this.s.config.localPasswords) throw localLoginDisabled();
    // 15 random bytes → 20 base64url characters, easy to read out and type once.
    const password = randomBytes(15).toString('base64url');
    await this.s.store.users.update(userId, {
      passwordHash: await hashPassword(password),
      tokensValidAfter: Date.now(),
    });
    this.s.live.disconnectUser(userId);
    return { password };
  }

  async sessions(): Promise<AdminSession[]> {
    const [sessions, users] = await Promise.all([this.s.store.sessions.listAll(), this.s.store.users.list()]);
    const names = new Map(users.map((u) => [u.id, u.username]));
    const out: AdminSession[] = [];
    // One at a time: the walks read every file of every repo, and this is an occasional page.
    for (const session of sessions) {
      const [members, repo, files] = await Promise.all([
        this.s.store.members.list(session.id),
        treeUsage(repoPath(this.s.config.reposDir, session.id)),
        this.s.sessions.manifest(session.id).then(
          (m) => Object.keys(m.files).length,
          () => 0,
        ),
      ]);
      out.push({
        id: session.id,
        name: session.name,
        createdAt: session.createdAt,
        owners: members.filter((m) => m.role === 'owner').map((m) => names.get(m.userId) ?? '(deleted user)'),
        members: members.length,
        files,
        repoBytes: repo.bytes,
        lastActivityAt: Math.max(session.createdAt, repo.newestMtimeMs, this.lastEdit.get(session.id) ?? 0),
        online: this.s.live.usersIn(session.id),
      });
    }
    return out;
  }

  async disk(): Promise<AdminDisk> {
    const usage = async (dir: string): Promise<AdminDirUsage> => {
      const [tree, space] = await Promise.all([treeUsage(dir), fileSystemSpace(dir)]);
      return {
        path: dir,
        bytes: tree.bytes,
        files: tree.files,
        freeBytes: space?.freeBytes ?? null,
        totalBytes: space?.totalBytes ?? null,
      };
    };
    const [dataDir, reposDir] = await Promise.all([
      usage(this.s.config.dataDir),
      usage(this.s.config.reposDir),
    ]);
    return { dataDir, reposDir };
  }
}
