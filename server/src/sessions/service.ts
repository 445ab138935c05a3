/**
 * Sessions and their files. The session manifest (ShareDB doc `sessions/<id>`) is the one truth
 * for the file tree; only this service edits it, as ops, so every open file tree updates live.
 * Changes to one session's tree are serialized, so two requests cannot claim one path.
 */
import type { AccessControl } from '../auth/access.js';
import { AppError } from '../errors/app-error.js';
import { type Connection, createDoc, deleteDoc, submitOp, type TypedDoc, withDoc } from '../ot/docs.js';
import type { Role } from '../protocol/roles.js';
import { hasLoneSurrogate } from '../protocol/text-ops.js';
import type { SessionRecord, Store } from '../storage/types.js';
import { COLLECTION_FILES, COLLECTION_SESSIONS, fileDocId, newFileId, newSessionId } from './ids.js';
import { isLanguage, languageForPath } from './languages.js';
import { KeyedMutex } from './mutex.js';
import { assertPathFree, validatePath } from './paths.js';

export interface ManifestEntry {
  path: string;
  language: string;
}

export interface Manifest {
  name: string;
  files: Record<string, ManifestEntry>;
}

export interface FileInfo {
  id: string;
  path: string;
  language: string;
  doc: { collection: string; id: string };
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

  async updateFile(
    sessionId: string,
    fileId: string,
    input: { path?: unknown; language?: unknown },
    actorId?: string,
  ): Promise<FileInfo> {
    const newPath = input.path === undefined ? undefined : validatePath(input.path);
    if (input.language !== undefined && !isLanguage(input.language)) {
      throw new AppError('ERR_VALIDATION', 'language: not a known language.');
    }
    return this.locks.run(sessionId, () =>
      this.editManifest(sessionId, async (manifest, doc) => {
        const old = manifest.files[fileId];
        if (!old) throw new AppError('ERR_FILE_NOT_FOUND', 'File not found.');
        const path = newPath ?? old.path;
        if (path !== old.path) this.assertFree(manifest, path, fileId);
        // A language that followed the old extension follows the new one; an override stays.
        const followed = old.language === languageForPath(old.path);
        const language =
          (input.language as string | undefined) ??
          (followed && path !== old.path ? languageForPath(path) : old.language);
        const entry: ManifestEntry = { path, language };
        if (entry.path !== old.path || entry.language !== old.language) {
          await submitOp(doc, [{ p: ['files', fileId], od: old, oi: entry }]);
          this.hooks.treeChanged?.(sessionId, actorId);
        }
        return fileInfo(sessionId, fileId, entry);
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

  async delete(sessionId: string): Promise<void> {
    await this.locks.run(sessionId, async () => {
      const manifest = await this.manifest(sessionId);
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
    });
  }

  private languageFor(path: string, override: unknown): string {
    if (override === undefined) return languageForPath(path);
    if (!isLanguage(override)) throw new AppError('ERR_VALIDATION', 'language: not a known language.');
    return override;
  }

  private assertFree(manifest: Manifest, path: string, except?: string): void {
    const others = Object.entries(manifest.files)
      .filter(([id]) => id !== except)
      .map(([, entry]) => entry.path);
    assertPathFree(path, others);
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
