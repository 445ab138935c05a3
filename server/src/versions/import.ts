/**
 * Bringing files into a session (issue 14, item 1; binary files: issue 13, item 3): one file
 * uploaded as raw bytes, or a whole zip. Text (valid UTF-8, no NUL: protocol/binary.ts) becomes a
 * ShareDB document; anything else a git blob written into the session's repository at once, which
 * the manifest then lists. A zip import is ONE manifest op (everyone's tree fills in at once) and
 * ONE version ("Imported 214 files"); it is all checked before anything is written.
 */
import nodePath from 'node:path';
import { AppError } from '../errors/app-error.js';
import { TMP_DIR_NAME } from '../git/atomic-fs.js';
import { type CommitResult, MAIN_REF, openRepo, readRef, writeBlob } from '../git/index.js';
import type { Connection, TypedDoc } from '../ot/docs.js';
import { submitOp } from '../ot/docs.js';
import type { LiveClients } from '../ports/live-clients.js';
import { isBinaryContent } from '../protocol/binary.js';
import { EVENTS } from '../protocol/events.js';
import { createIgnore } from '../protocol/gitignore.js';
import { textDiffOp } from '../protocol/text-diff.js';
import { COLLECTION_FILES, fileDocId } from '../sessions/ids.js';
import { folderPath, PathIndex, validatePath } from '../sessions/paths.js';
import type { FileInfo, ManifestEntry, NewFile, SessionService } from '../sessions/service.js';
import { type BundleEntry, openBundle } from './bundle.js';
import type { UnzipLimits, UnzippedFile } from './unzip.js';
import { unzip } from './unzip.js';
import type { CommitWorker } from './worker.js';

export interface ImportLimits {
  maxFileChars: number;
  maxFilesPerSession: number;
  maxBinaryBytes: number;
  maxImportBytes: number;
  maxImportEntries: number;
}

export interface ImportOptions {
  reposDir: string;
  sessions: SessionService;
  worker: CommitWorker;
  limits: ImportLimits;
  /** A fresh trusted connection of the server's own, closed by the caller (replaced text). */
  connect: () => Connection;
  /** People connected now: version, failure and change events reach them through it. */
  live: LiveClients;
}

/** What to do with an imported path that an existing file already holds. */
export type OnConflict = 'skip' | 'replace' | 'keep-both';
export const ON_CONFLICT: readonly OnConflict[] = ['skip', 'replace', 'keep-both'];

export interface ImportActor {
  id: string;
  displayName: string;
}

export interface ImportResult {
  /** The import's version (the head when nothing changed: everything skipped). */
  sha: string | null;
  /** Files added or replaced. */
  files: FileInfo[];
  /** Left out by `.git/`, `node_modules/` or a `.gitignore`: a folder wholly left out as `dir/`. */
  ignored: string[];
  /** Clashing paths left as they were (`onConflict=skip`). */
  skipped: string[];
  /** Clashing paths imported under another name (`onConflict=keep-both`). */
  renamed: Array<{ from: string; to: string }>;
}

/** `name (n).ext` beside `path`: the first n from 1 for which `free` says yes. */
export function keepBothName(path: string, free: (p: string) => boolean): string {
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash + 1);
  const name = path.slice(slash + 1);
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let n = 1; ; n++) {
    const candidate = `${dir}${stem} (${n})${ext}`;
    if (free(candidate)) return candidate;
  }
}

const isGitignore = (p: string) => p === '.gitignore' || p.endsWith('/.gitignore');

/** A `.gitignore` of an import as the matcher takes it: its folder and its text. */
function gitignoreOf(path: string, bytes: Buffer): { dir: string; text: string } {
  return { dir: path.slice(0, Math.max(0, path.lastIndexOf('/'))), text: bytes.toString('utf8') };
}

/** Ignored files, each under a wholly ignored folder shown once as that folder (`node_modules/`). */
function summarizeIgnored(paths: string[], ignoresDir: (dir: string) => boolean): string[] {
  const out = new Set<string>();
  for (const p of paths) {
    let shown = p;
    for (let i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) {
      if (ignoresDir(p.slice(0, i))) {
        shown = `${p.slice(0, i)}/`;
        break;
      }
    }
    out.add(shown);
  }
  return [...out].sort();
}

export class ImportService {
  constructor(private readonly o: ImportOptions) {}

  /** Text or binary content → the file to add, with the size rule of its kind. */
  private classify(
    path: string,
    bytes: Uint8Array,
    mode?: UnzippedFile['mode'],
  ): NewFile | { path: string; bytes: Uint8Array; mode?: UnzippedFile['mode'] } {
    const exec = mode ? { mode } : {};
    if (isBinaryContent(bytes)) {
      if (bytes.length > this.o.limits.maxBinaryBytes) {
        throw new AppError(
          'ERR_TOO_LARGE',
          `"${path}" is ${bytes.length} bytes; a binary file may be at most ${this.o.limits.maxBinaryBytes} bytes.`,
          { path, maxBytes: this.o.limits.maxBinaryBytes },
        );
      }
      return { path, bytes, ...exec };
    }
    const content = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    if (content.length > this.o.limits.maxFileChars) {
      throw new AppError(
        'ERR_TOO_LARGE',
        `"${path}": a file may hold at most ${this.o.limits.maxFileChars} characters.`,
        {
          path,
        },
      );
    }
    return { path, content, ...exec };
  }

  /**
   * One file from raw bytes (`POST /files` with application/octet-stream): a text document or a
   * binary blob, by its content. The same path rule and clash rule as creating a file.
   */
  async uploadFile(
    sessionId: string,
    rawPath: unknown,
    bytes: Buffer,
    actor: ImportActor,
  ): Promise<FileInfo> {
    const path = validatePath(rawPath);
    const file = this.classify(path, bytes);
    const [made] = await this.o.sessions.addFiles(
      sessionId,
      [await this.stored(sessionId, file)],
      {},
      actor.id,
    );
    return made!;
  }

  /** A binary file's bytes written into the repository (under its writer), as a manifest blob. */
  private async stored(sessionId: string, file: ReturnType<ImportService['classify']>): Promise<NewFile> {
    if (!('bytes' in file)) return file;
    const repo = await openRepo(this.o.reposDir, sessionId);
    const oid = await writeBlob(repo, file.bytes);
    return {
      path: file.path,
      blob: { oid, size: file.bytes.length },
      ...(file.mode ? { mode: file.mode } : {}),
    };
  }

  /** The import's caps, as the zip reader and the bundle reader take them. */
  private readLimits(): UnzipLimits {
    return {
      maxEntryBytes: Math.max(this.o.limits.maxBinaryBytes, this.o.limits.maxFileChars * 3),
      maxTotalBytes: this.o.limits.maxImportBytes,
      maxEntries: this.o.limits.maxImportEntries,
    };
  }

  /**
   * Imports the zip in `body` into folder `into` ('' for the top) as one version. Clashes with
   * existing files are ERR_PATH_EXISTS (409, `details.paths`) unless `onConflict` says what to do.
   */
  async importZip(
    sessionId: string,
    body: Buffer,
    opts: { onConflict?: OnConflict | undefined; into?: string | undefined },
    actor: ImportActor,
  ): Promise<ImportResult> {
    const limits = this.readLimits();
    // Pass 1: the .gitignore files (they decide what pass 2 inflates at all).
    const first = await unzip(body, limits, (p) => !isGitignore(p) || createIgnore([]).ignores(p));
    const matcher = createIgnore(first.files.map((f) => gitignoreOf(f.path, f.bytes)));
    const { files, skipped } = await unzip(body, limits, (p) => matcher.ignores(p));
    return this.importFiles(sessionId, { files, ignoredPaths: skipped, matcher }, opts, actor, '');
  }

  /**
   * Starts an EMPTY session (no files, no versions; else ERR_CONFLICT) from the tree of a git
   * bundle's HEAD (or main, or only branch), as one version, by the same rules as a zip. The
   * bundle's history is not kept. `name` (the bundle's file name) is said in the version message.
   */
  async importBundle(
    sessionId: string,
    body: Buffer,
    name: string,
    actor: ImportActor,
  ): Promise<ImportResult> {
    await this.requireEmpty(sessionId);
    const limits = this.readLimits();
    const repo = await openRepo(this.o.reposDir, sessionId);
    const bundle = await openBundle(body, nodePath.join(repo.dir, TMP_DIR_NAME), limits);
    try {
      const ignore0 = createIgnore([]);
      const gitignores = bundle.entries.filter(
        (e) => e.kind === 'file' && isGitignore(e.path) && !ignore0.ignores(e.path),
      );
      const texts = await bundle.read(gitignores);
      const matcher = createIgnore(gitignores.map((e, i) => gitignoreOf(e.path, texts[i]!)));
      const ignoredPaths: string[] = [];
      const wanted: BundleEntry[] = [];
      for (const e of bundle.entries) {
        if (matcher.ignores(e.path)) ignoredPaths.push(e.path);
        else if (e.kind === 'symlink')
          throw new AppError(
            'ERR_SYMLINK',
            `"${e.path}" is a symbolic link: a session holds only regular files.`,
            {
              path: e.path,
            },
          );
        else if (e.kind === 'submodule')
          throw new AppError(
            'ERR_VALIDATION',
            `"${e.path}" is a submodule: a session holds only regular files.`,
            {
              path: e.path,
            },
          );
        else if (e.size > limits.maxEntryBytes)
          throw new AppError('ERR_TOO_LARGE', `"${e.path}" is larger than ${limits.maxEntryBytes} bytes.`, {
            path: e.path,
            maxBytes: limits.maxEntryBytes,
          });
        else wanted.push(e);
      }
      const bytes = await bundle.read(wanted);
      const files: UnzippedFile[] = wanted.map((e, i) => ({
        path: e.path,
        bytes: bytes[i]!,
        ...(e.mode ? { mode: e.mode } : {}),
      }));
      return await this.importFiles(
        sessionId,
        { files, ignoredPaths, matcher },
        { requireEmpty: true },
        actor,
        ` from ${name}`,
      );
    } finally {
      await bundle.close();
    }
  }

  /** ERR_CONFLICT unless the session has no files and no versions (a bundle only starts a session). */
  private async requireEmpty(sessionId: string): Promise<void> {
    const manifest = await this.o.sessions.manifest(sessionId);
    const repo = await openRepo(this.o.reposDir, sessionId);
    if (Object.keys(manifest.files).length > 0 || (await readRef(repo, MAIN_REF)))
      throw new AppError(
        'ERR_CONFLICT',
        'A git bundle can only start a session: this one already has files or versions. Create a new session for it.',
      );
  }

  /**
   * The one import path of a zip and a bundle: read `files` (paths relative to the import, not
   * yet checked) are checked against the path rule and size caps, then added as one version
   * ("Imported N files" + `from`), clashes handled by `opts.onConflict`.
   */
  private async importFiles(
    sessionId: string,
    source: { files: UnzippedFile[]; ignoredPaths: string[]; matcher: ReturnType<typeof createIgnore> },
    opts: { onConflict?: OnConflict | undefined; into?: string | undefined; requireEmpty?: boolean },
    actor: ImportActor,
    from: string,
  ): Promise<ImportResult> {
    const into = opts.into ? validatePath(folderPath(opts.into)) : '';
    const classified = source.files.map((f) => {
      const path = validatePath(into ? `${into}/${f.path}` : f.path);
      return this.classify(path, f.bytes, f.mode);
    });
    const ignored = summarizeIgnored(source.ignoredPaths, (d) => source.matcher.ignoresDir(d));

    return this.o.worker.exclusive(sessionId, async (commit) => {
      // Again under the lock: a file or version may have come while the bundle was read.
      if (opts.requireEmpty) await this.requireEmpty(sessionId);
      const manifest = await this.o.sessions.manifest(sessionId);
      const existing = Object.entries(manifest.files);
      const byPath = new Map(existing.map(([id, e]) => [e.path, [id, e] as [string, ManifestEntry]]));
      // Indexed: thousands of imported paths against thousands of files, each in O(depth).
      const index = new PathIndex(existing.map(([, e]) => e.path));
      const clashOf = (path: string) => index.clash(path);
      const clashing = classified.filter((f) => clashOf(f.path));
      if (clashing.length > 0 && !opts.onConflict) {
        throw new AppError(
          'ERR_PATH_EXISTS',
          `${clashing.length} of the imported paths already exist: choose to skip, replace or keep both.`,
          { paths: clashing.map((f) => f.path) },
        );
      }
      const skipped: string[] = [];
      const renamed: Array<{ from: string; to: string }> = [];
      const adds: Array<ReturnType<ImportService['classify']>> = [];
      const replaceText: Array<[string, string]> = [];
      const replaceBlob: Array<[string, ReturnType<ImportService['classify']>]> = [];
      const replaceIds: string[] = [];
      const taken = new Set([...existing.map(([, e]) => e.path), ...classified.map((f) => f.path)]);
      for (const f of classified) {
        const clash = clashOf(f.path);
        if (!clash) adds.push(f);
        else if (opts.onConflict === 'skip') skipped.push(f.path);
        else if (opts.onConflict === 'keep-both') {
          const to = keepBothName(f.path, (p) => !taken.has(p) && !clashOf(p));
          taken.add(to);
          renamed.push({ from: f.path, to });
          adds.push({ ...f, path: to });
        } else {
          // replace: the file at that very path; a clash of another kind (a folder, a case twin) stays a clash.
          const same = byPath.get(f.path);
          if (!same)
            throw new AppError('ERR_PATH_EXISTS', `${clash} It cannot be replaced by a file.`, {
              paths: [f.path],
            });
          const [id, entry] = same;
          if ('content' in f && !entry.blob && (f.mode ?? null) === (entry.mode ?? null))
            replaceText.push([id, f.content]);
          else if ('bytes' in f && entry.blob) replaceBlob.push([id, f]);
          else {
            replaceIds.push(id);
            adds.push(f);
          }
        }
      }
      // The file cap, checked before anything is written (addFiles checks it again, under its lock).
      const total = existing.length - replaceIds.length + adds.length;
      if (total > this.o.limits.maxFilesPerSession) {
        throw new AppError(
          'ERR_TOO_MANY_FILES',
          `A session may hold at most ${this.o.limits.maxFilesPerSession} files; this import would make ${total}.`,
        );
      }
      // Bytes into the repository first: the manifest never names a blob git lacks.
      const toAdd: NewFile[] = [];
      for (const f of adds) toAdd.push(await this.stored(sessionId, f));
      const blobs: Array<[string, NewFile]> = [];
      for (const [id, f] of replaceBlob) blobs.push([id, await this.stored(sessionId, f)]);
      // What anyone typed in a file about to be replaced is kept in a version of its own.
      if (replaceText.length + replaceBlob.length + replaceIds.length > 0)
        await commit({ message: 'Before import', actorId: actor.id, kind: 'before' });
      const files: FileInfo[] = await this.o.sessions.addFiles(
        sessionId,
        toAdd,
        { replace: replaceIds },
        actor.id,
      );
      for (const [id, f] of blobs) {
        if (!('blob' in f)) continue;
        await this.o.sessions.setBlob(sessionId, id, f.blob, f.mode, actor.id);
      }
      await this.replaceTexts(sessionId, replaceText, actor.id);
      const replaced = new Set([...replaceText, ...blobs].map(([id]) => id));
      if (replaced.size > 0)
        files.push(...(await this.o.sessions.files(sessionId)).filter((f) => replaced.has(f.id)));
      const count = files.length;
      const result: CommitResult = await commit({
        message: `Imported ${count} file${count === 1 ? '' : 's'}${from}`,
        actorId: actor.id,
        kind: 'import',
      });
      this.o.live.notifySession(sessionId, EVENTS.sessionEvent, {
        sessionId,
        type: 'imported',
        count,
        by: { id: actor.id, displayName: actor.displayName },
        sha: result.sha,
      });
      return { sha: result.sha, files, ignored, skipped, renamed };
    });
  }

  /** Replaces the text of existing documents as ordinary edits, so open editors update in place. */
  private async replaceTexts(
    sessionId: string,
    texts: Array<[string, string]>,
    actorId: string,
  ): Promise<void> {
    if (texts.length === 0) return;
    const conn = this.o.connect();
    try {
      for (const [fileId, wanted] of texts) {
        const doc = conn.get(COLLECTION_FILES, fileDocId(sessionId, fileId)) as TypedDoc<{ text: string }>;
        await new Promise<void>((resolve, reject) => doc.fetch((err) => (err ? reject(err) : resolve())));
        if (!doc.type) continue;
        const op = textDiffOp(doc.data.text, wanted);
        if (op.length > 0) await submitOp(doc, op, { import: true });
        this.o.worker.noteEdit(sessionId, actorId, wanted.length);
      }
    } finally {
      conn.close();
    }
  }
}
