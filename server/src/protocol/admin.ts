/**
 * What the admin API (`/api/admin/…`, docs/api.md) answers, shared by the server's AdminService
 * and the admin page. No Node imports: the browser client imports it too.
 */

export type RegistrationPolicy = 'open' | 'invite';

/** An account as the admin sees it (never its password hash). */
export interface AdminUser {
  id: string;
  username: string;
  displayName: string;
  isAdmin: boolean;
  disabled: boolean;
  /** Where the account signs in: a password here (`local`) or a directory (no password to reset). */
  source: 'local' | 'ldap' | 'oidc';
  /** ms since epoch */
  createdAt: number;
}

export interface AdminSession {
  id: string;
  name: string;
  createdAt: number;
  /** The owners' usernames (a session may have several). */
  owners: string[];
  members: number;
  /** Files the session lists now. */
  files: number;
  /** Disk the session's git repository takes, bytes. */
  repoBytes: number;
  /**
   * The latest edit the serving process saw, else the latest write to the repository (a version,
   * comment or tag), else creation; ms.
   */
  lastActivityAt: number;
  /** People with the session open now, on the serving process. */
  online: number;
}

/** One directory tree: what it takes on disk (as `du`) and the room left on its file system. */
export interface AdminDirUsage {
  path: string;
  bytes: number;
  files: number;
  /** null when the file system could not be asked. */
  freeBytes: number | null;
  totalBytes: number | null;
}

export interface AdminDisk {
  dataDir: AdminDirUsage;
  reposDir: AdminDirUsage;
}
