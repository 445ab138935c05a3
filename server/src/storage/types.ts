/**
 * The store contract: everything Gitpad persists outside git. Two implementations, `embedded/`
 * (SQLite, default) and `mongo/`; one contract suite (server/test/storage/) runs against each.
 * Every method is asynchronous so a networked store can implement it.
 */
import type { Role } from '../protocol/roles.js';

/**
 * Where an account signs in: `local` with a password kept here, `ldap` or `oidc` through a
 * directory that vouches for it (auth/external-accounts.ts), with no usable password here.
 */
export type UserSource = 'local' | 'ldap' | 'oidc';

export interface UserRecord {
  id: string;
  username: string;
  displayName: string;
  passwordHash: string;
  isAdmin: boolean;
  /** ms since epoch */
  createdAt: number;
  /** Tokens issued before this instant (ms) are invalid: bumped by a password change. */
  tokensValidAfter: number;
  /** The name on this user's commits; null: their display name. */
  gitName: string | null;
  /** The e-mail on this user's commits; null: `<username>@<GIT_EMAIL_DOMAIN>`. */
  gitEmail: string | null;
  /** Set by the admin: the account cannot sign in, and its tokens and git credentials are refused. */
  disabled: boolean;
  /** Who vouches for the person: accounts made before directories existed are `local`. */
  source: UserSource;
  /**
   * The directory's stable id for the person (LDAP entryUUID or DN, OIDC `sub`), unique per
   * source; null for local accounts. The account is found by it, never by username.
   */
  externalId: string | null;
}

/**
 * What `users.create` takes: whether the account is the admin is the store's decision; a new
 * account has no git identity of its own. `source` defaults to `local` and `externalId` to null.
 */
export type NewUserRecord = Omit<
  UserRecord,
  'isAdmin' | 'gitName' | 'gitEmail' | 'disabled' | 'source' | 'externalId'
> &
  Partial<Pick<UserRecord, 'source' | 'externalId'>>;

export interface SessionRecord {
  id: string;
  name: string;
  createdBy: string;
  createdAt: number;
}

export interface MemberRecord {
  sessionId: string;
  userId: string;
  role: Role;
  addedAt: number;
}

export interface ChatMessageRecord {
  /** Monotonic per store; pages are keyed by it. */
  id: number;
  sessionId: string;
  userId: string;
  text: string;
  ts: number;
}

export interface AccessTokenRecord {
  id: string;
  userId: string;
  name: string;
  /** sha256 of the secret, hex; the secret itself is never stored. */
  secretHash: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface InviteRecord {
  token: string;
  sessionId: string;
  role: Role;
  createdBy: string;
  createdAt: number;
  expiresAt: number | null;
  maxUses: number | null;
  uses: number;
  revoked: boolean;
}

export interface UserRepo {
  /**
   * Creates the user and returns it as stored. The first account of an empty store is its admin,
   * decided atomically with the insert: of N concurrent first registrations exactly one is admin,
   * and no later account ever is (admins are made by `update`). Throws AppError
   * ERR_USERNAME_TAKEN when the username exists, ERR_CONFLICT when an account with the same
   * (source, externalId) exists (two first sign-ins of one person at once).
   */
  create(user: NewUserRecord): Promise<UserRecord>;
  byId(id: string): Promise<UserRecord | null>;
  byUsername(username: string): Promise<UserRecord | null>;
  /** The account a directory knows by `externalId`; null when there is none (or `source` is local). */
  byExternalId(source: UserSource, externalId: string): Promise<UserRecord | null>;
  count(): Promise<number>;
  /** Every account, by username (the admin page; a LAN team has tens or hundreds). */
  list(): Promise<UserRecord[]>;
  update(
    id: string,
    patch: Partial<
      Pick<
        UserRecord,
        'displayName' | 'passwordHash' | 'tokensValidAfter' | 'isAdmin' | 'gitName' | 'gitEmail' | 'disabled'
      >
    >,
  ): Promise<void>;
}

export interface SessionRepo {
  /** Creates the session and its owner's membership atomically. */
  create(session: SessionRecord, ownerId: string): Promise<void>;
  byId(id: string): Promise<SessionRecord | null>;
  /** Every session, newest first (the admin page). */
  listAll(): Promise<SessionRecord[]>;
  /** Sessions `userId` belongs to, with the role, newest first. */
  listForUser(userId: string): Promise<Array<SessionRecord & { role: Role }>>;
  rename(id: string, name: string): Promise<void>;
  /** Deletes the session with its members, chat, invites, activity and mentions. */
  delete(id: string): Promise<void>;
}

export interface MemberRepo {
  role(sessionId: string, userId: string): Promise<Role | null>;
  list(sessionId: string): Promise<MemberRecord[]>;
  /** Adds or changes a membership. */
  set(sessionId: string, userId: string, role: Role): Promise<void>;
  remove(sessionId: string, userId: string): Promise<void>;
  /**
   * Runs `changes` atomically (all or none), each a set or, with role null, a removal.
   * Used where a session must never be left without an owner (ownership transfer): throws
   * ERR_LAST_OWNER, changing nothing, when the result would have no owner; ERR_VALIDATION for a
   * bad role; ERR_SESSION_NOT_FOUND for an unknown session.
   */
  apply(sessionId: string, changes: Array<{ userId: string; role: Role | null }>): Promise<void>;
  /**
   * When `userId`'s access to the session was last cut (ms): their role lowered or their
   * membership removed, by `set`, `remove` or `apply`, recorded atomically with the change.
   * Null when it never was. Raising a role or joining is no cut.
   */
  cutAt(sessionId: string, userId: string): Promise<number | null>;
  /**
   * Joins through an invitation issued at `issuedAt` (ms), atomically: a member whose role is
   * already at least `role` keeps it; otherwise, when their access was cut after `issuedAt`,
   * throws ERR_INVITE_REVOKED and changes nothing (an old link cannot undo an owner's change);
   * else sets `role`. Returns the role the user has afterwards. ERR_SESSION_NOT_FOUND for an
   * unknown session.
   */
  join(sessionId: string, userId: string, role: Role, issuedAt: number): Promise<Role>;
}

export interface RevocationRepo {
  /** Marks a token id revoked until `expiresAt` (ms), after which it would be invalid anyway. */
  revoke(jti: string, expiresAt: number): Promise<void>;
  isRevoked(jti: string): Promise<boolean>;
  /** Forgets revocations of tokens that have expired. */
  prune(now: number): Promise<void>;
}

export interface SettingsRepo {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
}

export interface ChatRepo {
  add(msg: Omit<ChatMessageRecord, 'id'>): Promise<ChatMessageRecord>;
  /** Newest first, ids strictly below `before` when given. */
  page(sessionId: string, opts: { before?: number; limit: number }): Promise<ChatMessageRecord[]>;
}

/** One entry of a session's activity log: a `session:event` that changed someone's work. */
export interface ActivityRecord {
  /** Store-wide increasing; `since` pages by it. */
  id: number;
  sessionId: string;
  /** The event as it was sent (a JSON object with at least `type`). */
  event: Record<string, unknown>;
  /** ms since the epoch */
  ts: number;
}

export interface ActivityRepo {
  /** Appends an entry and forgets the session's oldest beyond the newest `keep`. */
  add(entry: Omit<ActivityRecord, 'id'>, keep: number): Promise<ActivityRecord>;
  /** The newest `limit` entries with ids above `since` (0: all kept), oldest first. */
  since(sessionId: string, since: number, limit: number): Promise<ActivityRecord[]>;
}

/** Someone was mentioned (`@username`) in a session's chat or comments; unread until they read it. */
export interface MentionRecord {
  /** Store-wide increasing. */
  id: number;
  /** Who was mentioned. */
  userId: string;
  sessionId: string;
  /** Who wrote the mention. */
  byUserId: string;
  source: 'chat' | 'comment';
  /** What holds it: the chat message id, or the version sha a comment is on. */
  ref: string;
  /** An excerpt of the mentioning text. */
  text: string;
  ts: number;
  read: boolean;
}

export interface MentionRepo {
  /** Stores mentions (all or none), unread, and forgets each user's oldest beyond the newest `keep`. */
  add(mentions: Array<Omit<MentionRecord, 'id' | 'read'>>, keep: number): Promise<MentionRecord[]>;
  /** A user's mentions, newest first, at most `limit`; only unread ones with `unreadOnly`. */
  list(userId: string, opts: { unreadOnly: boolean; limit: number }): Promise<MentionRecord[]>;
  /** Marks a user's mentions read: those with `ids` (others' ids are ignored), or all. Returns how many changed. */
  markRead(userId: string, ids?: readonly number[]): Promise<number>;
}

export interface AccessTokenRepo {
  create(token: AccessTokenRecord): Promise<void>;
  listForUser(userId: string): Promise<AccessTokenRecord[]>;
  bySecretHash(secretHash: string): Promise<AccessTokenRecord | null>;
  touch(id: string, at: number): Promise<void>;
  /** Returns false when no such token of this user exists. */
  delete(userId: string, id: string): Promise<boolean>;
}

export interface InviteRepo {
  create(invite: InviteRecord): Promise<void>;
  byToken(token: string): Promise<InviteRecord | null>;
  listForSession(sessionId: string): Promise<InviteRecord[]>;
  revoke(sessionId: string, token: string): Promise<boolean>;
  /**
   * Atomically counts one use of a live invite; returns the invite, or null when it is
   * unknown, revoked, expired at `now`, or used up.
   */
  consume(token: string, now: number): Promise<InviteRecord | null>;
  /** Gives back one use counted by `consume` whose join then failed (never below 0). */
  release(token: string): Promise<void>;
}

/** A reply in a live comment thread, as stored (authors by id). */
export interface LiveReplyRecord {
  id: string;
  authorId: string;
  body: string;
  /** ms since epoch */
  createdAt: number;
  editedAt: number | null;
}

/**
 * A comment thread on a range of a file's live text (comments/service.ts). The anchor is right at
 * document version `anchorVersion`: ops after it are replayed from the op log when it is read, so
 * an anchor written back late (or not at all, before a crash) is still found.
 */
export interface LiveThreadRecord {
  id: string;
  sessionId: string;
  fileId: string;
  /** UTF-16 offsets in the text at `anchorVersion`. */
  from: number;
  to: number;
  anchorVersion: number;
  quote: string;
  detached: boolean;
  authorId: string;
  body: string;
  createdAt: number;
  editedAt: number | null;
  resolved: boolean;
  replies: LiveReplyRecord[];
  /** Bumped by every change people make (not by anchor moves). */
  rev: number;
  /** The `rev` last written to git notes with a version; below `rev`: the next commit writes it. */
  notedRev: number;
}

export interface LiveCommentRepo {
  /** The session's threads, oldest first; of one file when `fileId` is given. */
  list(sessionId: string, fileId?: string): Promise<LiveThreadRecord[]>;
  get(sessionId: string, id: string): Promise<LiveThreadRecord | null>;
  /** Inserts or replaces the thread (by id). */
  put(thread: LiveThreadRecord): Promise<void>;
  /** Writes back moved anchors of existing threads (missing ids are skipped), atomically. */
  moveAnchors(
    sessionId: string,
    anchors: Array<{ id: string; from: number; to: number; anchorVersion: number; detached: boolean }>,
  ): Promise<void>;
  /** Records that these threads were written to notes at these revisions (missing ids skipped). */
  markNoted(sessionId: string, noted: Array<{ id: string; rev: number }>): Promise<void>;
  /** Returns false when there was no such thread. */
  delete(sessionId: string, id: string): Promise<boolean>;
}

/** A ShareDB DB adapter (sharedb's `DB` interface); typed loosely because sharedb's typings are partial. */
// biome-ignore lint/suspicious/noExplicitAny: sharedb's DB class is untyped
export type ShareDBAdapter = any;

export interface Store {
  readonly kind: 'embedded' | 'mongo';
  /** Documents and ops for ShareDB. */
  readonly sharedb: ShareDBAdapter;
  readonly users: UserRepo;
  readonly sessions: SessionRepo;
  readonly members: MemberRepo;
  readonly revocations: RevocationRepo;
  readonly settings: SettingsRepo;
  readonly chat: ChatRepo;
  readonly accessTokens: AccessTokenRepo;
  readonly invites: InviteRepo;
  /** Per-session log of what happened to people's work (bounded), for those who were away. */
  readonly activity: ActivityRepo;
  /** Who was mentioned where, per user, with read state. */
  readonly mentions: MentionRepo;
  readonly liveComments: LiveCommentRepo;
  /**
   * Deletes a document's ops below `uptoVersion` once a git commit covers them, keeping the
   * recent ones reconnecting clients need (the store decides how many). Returns how many went.
   */
  compactOps(collection: string, id: string, uptoVersion: number): Promise<number>;
  close(): Promise<void>;
}
