/**
 * Sessions and their files. The session manifest (ShareDB doc `sessions/<id>`) is the one truth
 * for the file tree; only this service edits it, as ops, so every open file tree updates live.
 * Changes to one session's tree are serialized, so two requests cannot claim one path.
 */
import type { AccessControl } from '../auth/access.js';
import { AppError } from '../errors/app-error.js';
import { type Connection, createDoc, deleteDoc, submitOp, type TypedDoc, withDoc } from '../ot/docs.js';
import type { LiveClients } from '../ports/live-clients.js';
import {
  BINARY_LANGUAGE,
  type EXECUTABLE_MODE,
  EXECUTABLE_MODE as EXECUTABLE_MODE_VALUE,
  type ManifestBlob,
} from '../protocol/binary.js';
import { EVENTS, type EventActor, type SessionRemoval } from '../protocol/events.js';
import { isLanguageId, languageSpecForPath } from '../protocol/languages.js';
import { isRelativePath, resolvePath } from '../protocol/paths.js';
import type { Role } from '../protocol/roles.js';
import { hasLoneSurrogate } from '../protocol/text-ops.js';
import type { SessionRecord, Store } from '../storage/types.js';
import { COLLECTION_FILES, COLLECTION_SESSIONS, fileDocId, newFileId, newSessionId } from './ids.js';
import { KeyedMutex } from './mutex.js';
import { assertFolderFree, assertPathFree, folderPath, PathIndex, validatePath } from './paths.js';

export interface ManifestEntry {
  path: string;
  /** A language id (protocol/languages.ts), or `binary` (BINARY_LANGUAGE) for a binary file. */
  language: string;
  /**
   * A binary file's git blob (protocol/binary.ts): present exactly when `language` is `binary`.
   * Such a file has no ShareDB document; its bytes are in the session's repository already.
   */
  blob?: ManifestBlob;
  /** `100755` for an executable file (kept from imports and pushes); absent for a regular one. */
  mode?: typeof EXECUTABLE_MODE;
}

export interface Manifest {
  name: string;
  files: Record<string, ManifestEntry>;
  /**
   * Folders someone made, by path (no trailing slash), each `{}`: kept even while empty, until
   * deleted. Folders that only hold files need no entry. Absent in manifests made before folders
   * were kept (read it as `{}`). Git keeps no empty folder (see docs/protocol.md).
   */
  folders?: Record<string, Record<string, never>>;
}

/** What a folder move did: every file under `from` is now under `to` (same ids). */
export interface FolderMove {
  from: string;
  to: string;
  files: FileInfo[];
}

/** A file to add (`addFiles`): text, or a binary file's blob already in the repository. */
export type NewFile =
  | { path: string; content: string; mode?: typeof EXECUTABLE_MODE | undefined }
  | { path: string; blob: ManifestBlob; mode?: typeof EXECUTABLE_MODE | undefined };

export interface FileInfo {
  id: string;
  path: string;
  language: string;
  /** The text document; for a binary file, its id is reserved but no document exists. */
  doc: { collection: string; id: string };
  /** A binary file's blob (no text document). */
  blob?: ManifestBlob;
  mode?: typeof EXECUTABLE_MODE;
}

export interface SessionLimits {
  maxFilesPerSession: number;
  maxFileChars: number;
  /** Sessions one account may own at once. */
  maxSessionsPerUser: number;
}

/** Hooks the service calls after a change commits (git repo creation, live notifications). */
export interface SessionHooks {
  sessionCreated?(session: SessionRecord): Promise<void>;
  sessionDeleted?(sessionId: string): Promise<void>;
  /** The file tree changed (a file created, renamed or deleted), by `actorId` when known. */
  treeChanged?(sessionId: string, actorId: string | undefined): void;
}

export function fileInfo(sessionId: string, id: string, entry: ManifestEntry): FileInfo {
  return {
    id,
    path: entry.path,
    language: entry.language,
    doc: { collection: COLLECTION_FILES, id: fileDocId(sessionId, id) },
    ...(entry.blob ? { blob: entry.blob } : {}),
    ...(entry.mode ? { mode: entry.mode } : {}),
  };
}

export function validateSessionName(input: unknown): string {
  if (typeof input !== 'string') throw new AppError('ERR_VALIDATION', 'name: a session name is text.');
  const name = input.normalize('NFC').trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
  if (name.length < 1 || name.length > 100 || /[\u0000-\u001f\u007f]/.test(name) || hasLoneSurrogate(name)) {
    throw new AppError('ERR_VALIDATION', 'name: 1 to 100 characters, no control characters.');
  }
  return name;
}

/** The op component that adds folder `path` (and the `folders` key itself in an older manifest). */
function folderInsert(manifest: Manifest, path: string): unknown {
  return manifest.folders ? { p: ['folders', path], oi: {} } : { p: ['folders'], oi: { [path]: {} } };
}

function validateContent(content: unknown, maxChars: number): string {
  if (content === undefined) return '';
  if (typeof content !== 'string') throw new AppError('ERR_VALIDATION', 'content: file content is text.');
  if (content.length > maxChars) {
    throw new AppError('ERR_TOO_LARGE', `A file may hold at most ${maxChars} characters.`);
  }
  if (hasLoneSurrogate(content))
    throw new AppError('ERR_VALIDATION', 'content: contains a broken Unicode character.');
  return content;
}

export class SessionService {
  private readonly locks = new KeyedMutex();

  constructor(
    private readonly store: Store,
    private readonly conn: Connection,
    private readonly access: AccessControl,
    private readonly limits: SessionLimits,
    private readonly live: LiveClients,
    private readonly hooks: SessionHooks = {},
  ) {}

  /** Resolves when every queued tree change has finished (shutdown). */
  drain(): Promise<void> {
    return this.locks.drain();
  }

  /** Runs `fn` exclusively with every other change to this session's tree or members. */
  serialize<T>(sessionId: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(sessionId, fn);
  }

  /**
   * Creates a session owned by `ownerId`, unless they already own `maxSessionsPerUser`. One
   * account's creations are serialized (a key no session id can take), so parallel requests
   * cannot overshoot the cap.
   */
  create(name: string, ownerId: string): Promise<SessionRecord & { role: Role }> {
    return this.locks.run(`user:${ownerId}`, async () => {
      const owned = (await this.store.sessions.listForUser(ownerId)).filter((s) => s.role === 'owner');
      if (owned.length >= this.limits.maxSessionsPerUser) {
        throw new AppError(
          'ERR_LIMIT_REACHED',
          `You already own ${owned.length} sessions, the most this server allows (${this.limits.maxSessionsPerUser}). Delete one you no longer need, or hand it over to someone else.`,
        );
      }
      return this.createUnchecked(name, ownerId);
    });
  }

  private async createUnchecked(name: string, ownerId: string): Promise<SessionRecord & { role: Role }> {
    const session: SessionRecord = {
      id: newSessionId(name),
      name,
      createdBy: ownerId,
      createdAt: Date.now(),
    };
    const manifest: Manifest = { name, files: {} };
    const doc = this.conn.get(COLLECTION_SESSIONS, session.id);
    try {
      await createDoc(doc, manifest);
    } finally {
      doc.destroy();
    }
    await this.store.sessions.create(session, ownerId);
    this.access.invalidate(session.id);
    await this.hooks.sessionCreated?.(session);
    return { ...session, role: 'owner' };
  }

  async manifest(sessionId: string): Promise<Manifest> {
    return withDoc<Manifest, Manifest>(this.conn, COLLECTION_SESSIONS, sessionId, async (doc) => {
      if (!doc.type) throw new AppError('ERR_SESSION_NOT_FOUND', 'Session not found.');
      return structuredClone(doc.data);
    });
  }

  async files(sessionId: string): Promise<FileInfo[]> {
    const { files } = await this.manifest(sessionId);
    return Object.entries(files)
      .map(([id, entry]) => fileInfo(sessionId, id, entry))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async createFile(
    sessionId: string,
    input: { path: unknown; content?: unknown; language?: unknown },
    actorId?: string,
  ): Promise<FileInfo> {
    const path = validatePath(input.path);
    const content = validateContent(input.content, this.limits.maxFileChars);
    const language = this.languageFor(path, input.language);
    return this.locks.run(sessionId, () =>
      this.editManifest(sessionId, async (manifest, doc) => {
        const count = Object.keys(manifest.files).length;
        if (count >= this.limits.maxFilesPerSession) {
          throw new AppError(
            'ERR_TOO_MANY_FILES',
            `A session may hold at most ${this.limits.maxFilesPerSession} files.`,
          );
        }
        this.assertFree(manifest, path);
        const id = newFileId();
        const fileDoc = this.conn.get(COLLECTION_FILES, fileDocId(sessionId, id));
        try {
          await createDoc(fileDoc, { text: content });
        } finally {
          fileDoc.destroy();
        }
        const entry: ManifestEntry = { path, language };
        await submitOp(doc, [{ p: ['files', id], oi: entry }]);
        this.hooks.treeChanged?.(sessionId, actorId);
        return fileInfo(sessionId, id, entry);
      }),
    );
  }

  /**
   * Adds `files` and drops the files `replace` names, as ONE manifest op (an import: everyone's
   * tree fills in at once, and one commit holds it all). Text files get a new document each,
   * made before the op; binary files point at blobs the caller has written into the repository.
   * Every path passes the create rule and must be free of what stays and of each other, the
   * session's file cap holds, or nothing is written. Replaced files' documents are deleted after
   * the op (the caller has committed their last text).
   */
  async addFiles(
    sessionId: string,
    files: readonly NewFile[],
    opts: { replace?: readonly string[] } = {},
    actorId?: string,
  ): Promise<FileInfo[]> {
    const checked = files.map((f) => {
      const path = validatePath(f.path);
      const mode = f.mode === EXECUTABLE_MODE_VALUE ? { mode: EXECUTABLE_MODE_VALUE } : {};
      if ('blob' in f) {
        const entry: ManifestEntry = { path, language: BINARY_LANGUAGE, blob: { ...f.blob }, ...mode };
        return { entry, content: undefined };
      }
      const content = validateContent(f.content, this.limits.maxFileChars);
      return { entry: { path, language: languageSpecForPath(path).id, ...mode } as ManifestEntry, content };
    });
    return this.locks.run(sessionId, () =>
      this.editManifest(sessionId, async (manifest, doc) => {
        const replace = new Set(opts.replace ?? []);
        for (const id of replace)
          if (!manifest.files[id]) throw new AppError('ERR_FILE_NOT_FOUND', 'A file to replace is gone.');
        const stay = Object.entries(manifest.files).filter(([id]) => !replace.has(id));
        if (stay.length + checked.length > this.limits.maxFilesPerSession) {
          throw new AppError(
            'ERR_TOO_MANY_FILES',
            `A session may hold at most ${this.limits.maxFilesPerSession} files; this would make ${stay.length + checked.length}.`,
          );
        }
        // Indexed: an import of thousands of files checks each path in O(depth), not O(files).
        const taken = new PathIndex(stay.map(([, e]) => e.path));
        const folders = Object.keys(manifest.folders ?? {});
        for (const { entry } of checked) {
          const clash = taken.clash(entry.path);
          if (clash) throw new AppError('ERR_PATH_EXISTS', clash);
          assertFolderFree(entry.path, [], folders, true);
          taken.add(entry.path);
        }
        const made: Array<[string, ManifestEntry]> = checked.map(({ entry }) => [newFileId(), entry]);
        // Documents are independent: made a batch at a time (an import of thousands of files).
        const BATCH = 64;
        for (let i = 0; i < checked.length; i += BATCH) {
          await Promise.all(
            checked.slice(i, i + BATCH).map(async ({ content }, j) => {
              if (content === undefined) return;
              const fileDoc = this.conn.get(COLLECTION_FILES, fileDocId(sessionId, made[i + j]![0]));
              try {
                await createDoc(fileDoc, { text: content });
              } finally {
                fileDoc.destroy();
              }
            }),
          );
        }
        const op: unknown[] = [...replace].map((id) => ({ p: ['files', id], od: manifest.files[id] }));
        for (const [id, entry] of made) op.push({ p: ['files', id], oi: entry });
        if (op.length > 0) await submitOp(doc, op);
        for (const id of replace) {
          await withDoc(this.conn, COLLECTION_FILES, fileDocId(sessionId, id), async (fileDoc) => {
            if (fileDoc.type) await deleteDoc(fileDoc);
          });
        }
        if (op.length > 0) this.hooks.treeChanged?.(sessionId, actorId);
        return made.map(([id, entry]) => fileInfo(sessionId, id, entry));
      }),
    );
  }

  /** Sets or clears file `fileId`'s executable bit (a revert to a version that had it otherwise). */
  async setMode(
    sessionId: string,
    fileId: string,
    mode: typeof EXECUTABLE_MODE_VALUE | undefined,
    actorId?: string,
  ): Promise<void> {
    await this.locks.run(sessionId, () =>
      this.editManifest(sessionId, async (manifest, doc) => {
        const old = manifest.files[fileId];
        if (!old) throw new AppError('ERR_FILE_NOT_FOUND', 'File not found.');
        if ((old.mode ?? undefined) === mode) return;
        const { mode: _drop, ...rest } = old;
        const entry: ManifestEntry = { ...rest, ...(mode ? { mode } : {}) };
        await submitOp(doc, [{ p: ['files', fileId], od: old, oi: entry }]);
        this.hooks.treeChanged?.(sessionId, actorId);
      }),
    );
  }

  /**
   * Points binary file `fileId` at another blob (a revert or an import replacing its content),
   * keeping its id, path and mode unless `mode` says otherwise.
   */
  async setBlob(
    sessionId: string,
    fileId: string,
    blob: ManifestBlob,
    mode: typeof EXECUTABLE_MODE_VALUE | undefined,
    actorId?: string,
  ): Promise<void> {
    await this.locks.run(sessionId, () =>
      this.editManifest(sessionId, async (manifest, doc) => {
        const old = manifest.files[fileId];
        if (!old?.blob) throw new AppError('ERR_FILE_NOT_FOUND', 'File not found.');
        const entry: ManifestEntry = {
          path: old.path,
          language: BINARY_LANGUAGE,
          blob,
          ...(mode ? { mode } : {}),
        };
        if (JSON.stringify(entry) === JSON.stringify(old)) return;
        await submitOp(doc, [{ p: ['files', fileId], od: old, oi: entry }]);
        this.hooks.treeChanged?.(sessionId, actorId);
      }),
    );
  }

  async updateFile(
    sessionId: string,
    fileId: string,
    input: { path?: unknown; language?: unknown },
    actorId?: string,
  ): Promise<FileInfo & { previousPath: string }> {
    if (input.language !== undefined && !isLanguageId(input.language)) {
      throw new AppError('ERR_VALIDATION', 'language: not a known language.');
    }
    return this.locks.run(sessionId, () =>
      this.editManifest(sessionId, async (manifest, doc) => {
        const old = manifest.files[fileId];
        if (!old) throw new AppError('ERR_FILE_NOT_FOUND', 'File not found.');
        // `./x` and `../x` are relative to the file's own folder (protocol/paths.ts resolvePath).
        let newPath: string | undefined;
        if (input.path !== undefined) {
          let typed = input.path;
          if (typeof typed === 'string' && isRelativePath(typed)) {
            const slash = old.path.lastIndexOf('/');
            const resolved = resolvePath(slash < 0 ? '' : old.path.slice(0, slash), typed);
            if (!resolved.ok) throw new AppError('ERR_INVALID_PATH', resolved.reason);
            typed = resolved.path;
          }
          newPath = validatePath(typed);
        }
        const path = newPath ?? old.path;
        if (path !== old.path) this.assertFree(manifest, path, fileId);
        // A language that followed the old extension follows the new one; an override stays.
        const followed = old.language === languageSpecForPath(old.path).id;
        // A binary file stays binary: its language is no choice of the user's.
        const language = old.blob
          ? old.language
          : ((input.language as string | undefined) ??
            (followed && path !== old.path ? languageSpecForPath(path).id : old.language));
        const entry: ManifestEntry = { ...old, path, language };
        if (entry.path !== old.path || entry.language !== old.language) {
          await submitOp(doc, [{ p: ['files', fileId], od: old, oi: entry }]);
          this.hooks.treeChanged?.(sessionId, actorId);
        }
        return { ...fileInfo(sessionId, fileId, entry), previousPath: old.path };
      }),
    );
  }

  /**
   * Makes a folder that stays while empty (`folders` in the manifest). Its parents need no entry
   * of their own. ERR_PATH_EXISTS when it exists already or clashes with a file or folder.
   */
  async createFolder(sessionId: string, input: unknown): Promise<{ path: string }> {
    const path = validatePath(folderPath(input));
    return this.locks.run(sessionId, () =>
      this.editManifest(sessionId, async (manifest, doc) => {
        const folders = Object.keys(manifest.folders ?? {});
        if (folders.length >= this.limits.maxFilesPerSession) {
          throw new AppError(
            'ERR_TOO_MANY_FILES',
            `A session may hold at most ${this.limits.maxFilesPerSession} folders.`,
          );
        }
        const files = Object.values(manifest.files).map((f) => f.path);
        if (files.some((f) => f.startsWith(`${path}/`)))
          throw new AppError('ERR_PATH_EXISTS', `"${path}" already exists.`);
        assertFolderFree(path, files, folders);
        await submitOp(doc, [folderInsert(manifest, path)]);
        return { path };
      }),
    );
  }

  /**
   * Forgets the folder `path` and every folder under it. Files under it are not touched (they are
   * deleted one by one first, each keeping its text in a version); while any remain, the folder
   * still shows, as it holds them. ERR_FILE_NOT_FOUND when there is no such folder at all.
   */
  async deleteFolder(sessionId: string, input: unknown): Promise<void> {
    const path = folderPath(input);
    await this.locks.run(sessionId, () =>
      this.editManifest(sessionId, async (manifest, doc) => {
        const under = (p: string) => p === path || p.startsWith(`${path}/`);
        const gone = Object.keys(manifest.folders ?? {}).filter(under);
        if (gone.length === 0) {
          if (!Object.values(manifest.files).some((f) => under(f.path)))
            throw new AppError('ERR_FILE_NOT_FOUND', `There is no folder "${path}".`);
          return;
        }
        await submitOp(
          doc,
          gone.map((g) => ({ p: ['folders', g], od: {} })),
        );
      }),
    );
  }

  /**
   * Moves (or renames) the folder `from` to `to` with everything under it, files and folders, as
   * ONE manifest op: every new path passes the create rule and the clash rule against what stays,
   * or nothing is written. File ids do not change, so open documents, tabs and cursors stay.
   * `to` inside `from` is refused; a case-only rename (`src` → `Src`) is fine.
   */
  async moveFolder(
    sessionId: string,
    input: { from: unknown; to: unknown },
    actorId?: string,
  ): Promise<FolderMove> {
    const from = folderPath(input.from);
    const to = validatePath(folderPath(input.to));
    return this.locks.run(sessionId, () =>
      this.editManifest(sessionId, async (manifest, doc) => {
        const moves = (p: string) => p === from || p.startsWith(`${from}/`);
        const dest = (p: string) => to + p.slice(from.length);
        const allFolders = Object.keys(manifest.folders ?? {});
        const files = Object.entries(manifest.files).filter(([, f]) => f.path.startsWith(`${from}/`));
        const folders = allFolders.filter(moves);
        if (files.length === 0 && folders.length === 0)
          throw new AppError('ERR_FILE_NOT_FOUND', `There is no folder "${from}".`);
        if (to === from) return { from, to, files: [] };
        if (moves(to)) throw new AppError('ERR_INVALID_PATH', `"${from}" cannot move into itself ("${to}").`);
        const stayFiles = Object.values(manifest.files)
          .map((f) => f.path)
          .filter((p) => !p.startsWith(`${from}/`));
        const stayFolders = allFolders.filter((p) => !moves(p));
        // Into a folder that exists (holding files) is a merge nobody asked for: refused, as a kept one is.
        if (stayFiles.some((p) => p.startsWith(`${to}/`)))
          throw new AppError('ERR_PATH_EXISTS', `"${to}" already exists.`);
        const moved: Array<[string, ManifestEntry, ManifestEntry]> = files.map(([id, f]) => [
          id,
          f,
          { ...f, path: validatePath(dest(f.path)) },
        ]);
        for (const [, , entry] of moved) {
          assertPathFree(entry.path, stayFiles);
          assertFolderFree(entry.path, [], stayFolders, true);
        }
        for (const folder of new Set([to, ...folders.map(dest)])) {
          assertFolderFree(validatePath(folder), stayFiles, stayFolders);
        }
        const op: unknown[] = moved.map(([id, od, oi]) => ({ p: ['files', id], od, oi }));
        for (const g of folders) op.push({ p: ['folders', g], od: {} });
        for (const g of folders) op.push({ p: ['folders', dest(g)], oi: {} });
        await submitOp(doc, op);
        if (moved.length > 0) this.hooks.treeChanged?.(sessionId, actorId);
        return { from, to, files: moved.map(([id, , entry]) => fileInfo(sessionId, id, entry)) };
      }),
    );
  }

  async deleteFile(sessionId: string, fileId: string, actorId?: string): Promise<void> {
    await this.locks.run(sessionId, () =>
      this.editManifest(sessionId, async (manifest, doc) => {
        const old = manifest.files[fileId];
        if (!old) throw new AppError('ERR_FILE_NOT_FOUND', 'File not found.');
        // The manifest first: once the file is out of the tree it is gone for everyone, and an
        // orphaned document (crash between the two writes) is harmless.
        await submitOp(doc, [{ p: ['files', fileId], od: old }]);
        await withDoc(this.conn, COLLECTION_FILES, fileDocId(sessionId, fileId), async (fileDoc) => {
          if (fileDoc.type) await deleteDoc(fileDoc);
        });
        this.hooks.treeChanged?.(sessionId, actorId);
      }),
    );
  }

  async readFile(
    sessionId: string,
    fileId: string,
  ): Promise<FileInfo & { content: string; version: number }> {
    const manifest = await this.manifest(sessionId);
    const entry = manifest.files[fileId];
    if (!entry) throw new AppError('ERR_FILE_NOT_FOUND', 'File not found.');
    return withDoc<{ text: string }, FileInfo & { content: string; version: number }>(
      this.conn,
      COLLECTION_FILES,
      fileDocId(sessionId, fileId),
      async (doc) => {
        if (!doc.type) throw new AppError('ERR_FILE_NOT_FOUND', 'File not found.');
        return { ...fileInfo(sessionId, fileId, entry), content: doc.data.text, version: doc.version ?? 0 };
      },
    );
  }

  async rename(sessionId: string, name: string): Promise<void> {
    await this.locks.run(sessionId, () =>
      this.editManifest(sessionId, async (manifest, doc) => {
        if (manifest.name !== name) await submitOp(doc, [{ p: ['name'], od: manifest.name, oi: name }]);
        await this.store.sessions.rename(sessionId, name);
      }),
    );
  }

  /** Deletes a session; every member's open tabs are told who deleted it and lose it at once. */
  async delete(sessionId: string, by?: EventActor): Promise<void> {
    await this.locks.run(sessionId, async () => {
      const manifest = await this.manifest(sessionId);
      const members = await this.store.members.list(sessionId);
      const name = (await this.store.sessions.byId(sessionId))?.name;
      await this.store.sessions.delete(sessionId);
      this.access.invalidate(sessionId);
      for (const fileId of Object.keys(manifest.files)) {
        await withDoc(this.conn, COLLECTION_FILES, fileDocId(sessionId, fileId), async (d) => {
          if (d.type) await deleteDoc(d);
        });
      }
      await withDoc(this.conn, COLLECTION_SESSIONS, sessionId, async (d) => {
        if (d.type) await deleteDoc(d);
      });
      await this.hooks.sessionDeleted?.(sessionId);
      for (const m of members) {
        await this.live.revokeSession(sessionId, m.userId);
        this.live.notifyUser(m.userId, EVENTS.sessionRemoved, {
          sessionId,
          deleted: true,
          ...(by ? { by } : {}),
          ...(name !== undefined ? { name } : {}),
        } satisfies SessionRemoval);
      }
    });
  }

  private languageFor(path: string, override: unknown): string {
    if (override === undefined) return languageSpecForPath(path).id;
    if (!isLanguageId(override)) throw new AppError('ERR_VALIDATION', 'language: not a known language.');
    return override;
  }

  private assertFree(manifest: Manifest, path: string, except?: string): void {
    const others = Object.entries(manifest.files)
      .filter(([id]) => id !== except)
      .map(([, entry]) => entry.path);
    assertPathFree(path, others);
    assertFolderFree(path, [], Object.keys(manifest.folders ?? {}), true);
  }

  private async editManifest<R>(
    sessionId: string,
    fn: (manifest: Manifest, doc: TypedDoc<Manifest>) => Promise<R>,
  ): Promise<R> {
    return withDoc<Manifest, R>(this.conn, COLLECTION_SESSIONS, sessionId, async (doc) => {
      if (!doc.type) throw new AppError('ERR_SESSION_NOT_FOUND', 'Session not found.');
      return fn(doc.data, doc);
    });
  }
}
