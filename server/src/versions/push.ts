/**
 * A `git push` applied to a live session as ordinary edits (issue 13). The transport
 * (http/git/receive-pack.ts) receives the pack into a quarantine repository whose objects
 * alternate to the session's; this module reads the pushed commit from there, checks it, plans
 * the change against the live documents, and only when the whole plan holds moves the objects in,
 * applies it and commits a merge of the live head and the pushed commit.
 *
 * Per text file changed between the merge base (a Gitpad version) and the pushed commit:
 * - **transform**: the diff from the base blob to the pushed blob is submitted at the document
 *   version the base covered, and ShareDB transforms it through everything typed since;
 * - **merge**, when that version is unknown or its ops were compacted away: a line-based
 *   three-way merge (base, live text, pushed) applied as one diff at the live version; overlapping
 *   hunks refuse the whole push before anything is applied.
 * New files are created, deleted files go through the keep-text delete path, exact renames are
 * renamed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { catBlobs, gitIn } from '../git/cli.js';
import { type CommitResult, headSha, lastCovered, type Repo, repoSessionIds } from '../git/index.js';
import type { Logger } from '../log/index.js';
import { stampAuthor } from '../ot/authorship.js';
import type { Connection } from '../ot/docs.js';
import { withDoc } from '../ot/docs.js';
import type { LiveClients } from '../ports/live-clients.js';
import type { PushedEvent } from '../protocol/activity.js';
import { EXECUTABLE_MODE, isBinaryContent, type ManifestBlob } from '../protocol/binary.js';
import { EVENTS, type MovedEvent } from '../protocol/events.js';
import { checkPath, checkTreePath } from '../protocol/paths.js';
import { textDiffOp } from '../protocol/text-diff.js';
import { COLLECTION_FILES, fileDocId } from '../sessions/ids.js';
import type { NewFile, SessionService } from '../sessions/service.js';
import type { ShareDBAdapter } from '../storage/types.js';
import { merge3 } from './merge3.js';
import type { Actor } from './service.js';
import type { CommitRequest, CommitWorker } from './worker.js';

/** Caps on one push (config `pushMax*`), each refused with a `remote:` line naming it. */
export interface PushLimits {
  /** Files added, edited, deleted or renamed by one push. */
  maxFiles: number;
  /** Bytes of one pushed file. */
  maxFileBytes: number;
  /** The session's own file cap (config `maxFilesPerSession`), checked before anything is applied. */
  maxFilesPerSession?: number;
}

/** Why a push is refused: `lines` go to the client as `remote:` lines, `reason` on the ref line. */
export class PushRefused extends Error {
  constructor(
    readonly reason: string,
    readonly lines: string[] = [],
  ) {
    super(reason);
  }
}

export interface PushServiceOptions {
  sessions: SessionService;
  worker: CommitWorker;
  db: ShareDBAdapter;
  conn: Connection;
  /** Submits an op at document version `v`, `meta` in its metadata (ot/backend.ts submitAt). */
  submit: (
    collection: string,
    id: string,
    v: number,
    op: unknown,
    meta: Record<string, unknown>,
  ) => Promise<void>;
  openRepo: (sessionId: string) => Promise<Repo>;
  /** Deletes files keeping their last text in a version first (VersionService.keepThenDelete). */
  keepThenDelete: (
    sessionId: string,
    files: Array<[string, string]>,
    actor: Actor,
    commitBefore: () => Promise<unknown>,
  ) => Promise<unknown>;
  limits: PushLimits;
  reposDir: string;
  /** The pusher again, when a push is finished after a restart (null: account gone). */
  actorById: (userId: string) => Promise<Actor | null>;
  logger: Logger;
  /** Tells a session's members (renames: the same `moved` event as the file tree's). */
  /** People connected now: version, failure and change events reach them through it. */
  live: LiveClients;
}

/**
 * What a push is about to do, written durably before the first live change and removed after
 * the merge is committed: a crash in between is finished at the next start (`recover`), so the
 * live documents end with the whole push, never part of it. Each step is replayed only if it did
 * not land (an edit's ops carry the pushed sha in their metadata).
 */
interface Journal {
  sha: string;
  /**
   * The session's head the push was based on, when the pushed history contains it (null: the
   * session had no version); undefined otherwise. Lets an untouched push fast-forward `main`.
   */
  base?: string | null;
  actorId: string;
  message: string;
  steps: Step[];
  /** Commits the push brought that the session's history lacked (absent in older journals). */
  commits?: number;
}

/** The journal of a session's push in flight, beside its repo (never under refs/ or objects/). */
const JOURNAL = 'gitpad-push.json';
/** Metadata key of ops a push submits: the pushed commit's sha. */
const PUSH_KEY = 'push';

/** One file of a commit as read from git: its blob id and text. */
interface PushedFile {
  oid: string;
  /** The text; null for a binary file (protocol/binary.ts isBinaryContent), kept as its blob. */
  text: string | null;
  size: number;
  /** `100755` for an executable file. */
  mode?: typeof EXECUTABLE_MODE;
}

type Step =
  | { kind: 'edit'; fileId: string; path: string; at: number; op: unknown[] }
  | { kind: 'create'; file: NewFile }
  /** A file turning from text into binary or back: a new entry at its path, the old one dropped. */
  | { kind: 'replace'; fileId: string; path: string; file: NewFile }
  | { kind: 'blob'; fileId: string; path: string; blob: ManifestBlob; mode?: typeof EXECUTABLE_MODE }
  | { kind: 'delete'; fileId: string; path: string }
  | { kind: 'rename'; fileId: string; from: string; to: string };

/**
 * Every file of commit `sha` in `gitDir`, checked: the tree-name rule of our own commits, no
 * symlinks or submodules, each file under the size cap. Only the blobs `read` asks for (by path
 * and id) are read and classified as text or binary; the others come back with `text: ''` and are
 * compared by id only (unchanged files, renames, deletes).
 */
export async function readPushedTree(
  gitDir: string,
  sha: string,
  limits: PushLimits,
  read: (path: string, oid: string) => boolean = () => true,
): Promise<Map<string, PushedFile>> {
  const listing = (await gitIn(gitDir, ['ls-tree', '-r', '-z', '-l', '--full-tree', sha])).toString('utf8');
  const entries: Array<{ path: string; oid: string; size: number; mode?: typeof EXECUTABLE_MODE }> = [];
  const bad: string[] = [];
  for (const line of listing.split('\0')) {
    if (!line) continue;
    const tab = line.indexOf('\t');
    const [mode, type, oid, size] = line.slice(0, tab).split(/ +/);
    const path = line.slice(tab + 1);
    const checked = checkTreePath(path);
    if (!checked.ok) bad.push(`"${path}": ${checked.reason}`);
    else if (type === 'commit') bad.push(`"${path}": submodules are not supported.`);
    else if (mode === '120000') bad.push(`"${path}": symbolic links are not supported.`);
    else if (Number(size) > limits.maxFileBytes)
      bad.push(`"${path}" is ${size} bytes; this server takes files up to ${limits.maxFileBytes} bytes.`);
    else
      entries.push({
        path,
        oid: oid!,
        size: Number(size),
        ...(mode === EXECUTABLE_MODE ? { mode: EXECUTABLE_MODE } : {}),
      });
  }
  if (bad.length > 0) throw new PushRefused('refused file names or types', bad);
  const files = new Map<string, PushedFile>();
  if (entries.length === 0) return files;
  const unique = [...new Set(entries.filter((e) => read(e.path, e.oid)).map((e) => e.oid))];
  const bytes = await catBlobs(gitDir, unique);
  const blobs = new Map(unique.map((oid, i) => [oid, bytes[i]!]));
  for (const e of entries) {
    const raw = blobs.get(e.oid);
    const text = raw === undefined ? '' : isBinaryContent(raw) ? null : raw.toString('utf8');
    files.set(e.path, { oid: e.oid, text, size: raw?.length ?? e.size, ...(e.mode ? { mode: e.mode } : {}) });
  }
  return files;
}

export class PushService {
  constructor(private readonly o: PushServiceOptions) {}

  /**
   * Applies pushed commit `sha` (its objects readable in `quarantine`, a repo whose objects
   * alternate to the session's) to the live session and commits the merge. `migrate` moves the
   * objects into the session repo; it runs only once the plan holds. Throws PushRefused with the
   * lines to show; nothing is applied then. Holds the session's commit lock throughout, so pushes,
   * "Save version" and the scheduled commits run one at a time.
   */
  async apply(
    sessionId: string,
    quarantine: string,
    sha: string,
    actor: Actor,
    migrate: () => Promise<void>,
  ): Promise<{ sha: string }> {
    const repo = await this.o.openRepo(sessionId);
    return this.o.worker.exclusive(sessionId, async (commit) => {
      const head = await headSha(repo);
      let base: string | null = null;
      if (head) {
        base = (await gitIn(quarantine, ['merge-base', head, sha]).catch(() => Buffer.from('')))
          .toString()
          .trim();
        if (!base)
          throw new PushRefused('fetch first', [
            'The pushed history does not contain this session’s versions: fetch first.',
          ]);
      }
      // Blobs are read only where the push changed a path: its new content, and the base's.
      const unlimited = { ...this.o.limits, maxFileBytes: Number.POSITIVE_INFINITY };
      const baseIds = base ? await readPushedTree(quarantine, base, unlimited, () => false) : new Map();
      const pushed = await readPushedTree(
        quarantine,
        sha,
        this.o.limits,
        (p, oid) => baseIds.get(p)?.oid !== oid,
      );
      const baseFiles = base
        ? await readPushedTree(quarantine, base, unlimited, (p, oid) => {
            const now = pushed.get(p);
            return now !== undefined && now.oid !== oid;
          })
        : new Map<string, PushedFile>();
      const steps = await this.plan(sessionId, repo, base, baseFiles, pushed);

      await migrate();
      const subject = (await gitIn(quarantine, ['log', '-1', '--format=%s', sha])).toString('utf8').trim();
      const commits = Number(
        (await gitIn(quarantine, ['rev-list', '--count', sha, ...(head ? ['--not', head] : [])]))
          .toString()
          .trim(),
      );
      const journal: Journal = {
        sha,
        commits,
        ...(base === head ? { base } : {}),
        actorId: actor.id,
        message: `Push ${sha.slice(0, 7)}: ${subject}`,
        steps,
      };
      await writeDurably(this.journalPath(sessionId), JSON.stringify(journal));
      return this.run(sessionId, journal, actor, commit);
    });
  }

  /**
   * Finishes the pushes a crash interrupted (their journals), before anything else commits the
   * sessions. A push whose account is gone is finished in the server's name.
   */
  async recover(): Promise<void> {
    for (const sessionId of await repoSessionIds(this.o.reposDir)) {
      let journal: Journal;
      try {
        journal = JSON.parse(await fs.promises.readFile(this.journalPath(sessionId), 'utf8')) as Journal;
      } catch {
        continue;
      }
      const actor = (await this.o.actorById(journal.actorId)) ?? {
        id: journal.actorId,
        username: 'gitpad',
        displayName: 'Gitpad',
      };
      try {
        const result = await this.o.worker.exclusive(sessionId, (commit) =>
          this.run(sessionId, journal, actor, commit),
        );
        this.o.logger.info('finished a push interrupted by a restart', { sessionId, sha: result.sha });
      } catch (err) {
        this.o.logger.error('could not finish a push interrupted by a restart', { sessionId, err });
      }
    }
  }

  private journalPath(sessionId: string): string {
    return path.join(this.o.reposDir, `${sessionId}.git`, JOURNAL);
  }

  /** Applies a journal's steps that have not landed yet, commits the merge, drops the journal. */
  private async run(
    sessionId: string,
    journal: Journal,
    actor: Actor,
    commit: (req: CommitRequest) => Promise<CommitResult>,
  ): Promise<{ sha: string }> {
    const { sha, steps } = journal;
    const manifest = await this.o.sessions.manifest(sessionId);
    const deletes = steps.filter(
      (s): s is Extract<Step, { kind: 'delete' }> =>
        s.kind === 'delete' && manifest.files[s.fileId] !== undefined,
    );
    const replaces = steps.filter(
      (s): s is Extract<Step, { kind: 'replace' }> =>
        s.kind === 'replace' && manifest.files[s.fileId] !== undefined,
    );
    const before = () =>
      commit({ message: `Before push ${sha.slice(0, 7)}`, actorId: actor.id, kind: 'before' });
    if (deletes.length > 0) {
      await this.o.keepThenDelete(
        sessionId,
        deletes.map((d) => [d.fileId, d.path]),
        actor,
        before,
      );
    } else if (replaces.length > 0) await before();
    for (const s of steps) {
      if (s.kind === 'edit') {
        if (manifest.files[s.fileId] === undefined || (await this.landed(sessionId, s.fileId, s.at, sha)))
          continue;
        const meta: { m: Record<string, unknown> } = { m: { [PUSH_KEY]: sha } };
        stampAuthor(meta, actor.id);
        await this.o.submit(COLLECTION_FILES, fileDocId(sessionId, s.fileId), s.at, s.op, meta.m);
        this.o.worker.noteTyping(sessionId);
      } else if (s.kind === 'blob') {
        const now = manifest.files[s.fileId];
        if (now?.blob && now.blob.oid !== s.blob.oid)
          await this.o.sessions.setBlob(sessionId, s.fileId, s.blob, s.mode, actor.id);
      } else if (s.kind === 'rename') {
        const now = manifest.files[s.fileId];
        if (now && now.path !== s.to) {
          await this.o.sessions.updateFile(sessionId, s.fileId, { path: s.to }, actor.id);
          this.o.live.notifySession(sessionId, EVENTS.sessionEvent, {
            sessionId,
            type: 'moved',
            kind: 'file',
            fileId: s.fileId,
            from: s.from,
            to: s.to,
            by: { id: actor.id, displayName: actor.displayName },
          } satisfies MovedEvent);
        }
      }
    }
    const existing = new Set(
      Object.values((await this.o.sessions.manifest(sessionId)).files).map((f) => f.path),
    );
    // New files in one manifest op: everyone's tree fills in at once.
    const creates = steps.flatMap((s) => (s.kind === 'create' && !existing.has(s.file.path) ? [s.file] : []));
    if (creates.length + replaces.length > 0) {
      await this.o.sessions.addFiles(
        sessionId,
        [...creates, ...replaces.map((r) => r.file)],
        { replace: replaces.map((r) => r.fileId) },
        actor.id,
      );
    }
    const result = await commit({
      message: journal.message,
      actorId: actor.id,
      kind: 'push',
      mergeParent: sha,
      ...(journal.base !== undefined ? { fastForwardFrom: journal.base } : {}),
    });
    await fs.promises.rm(this.journalPath(sessionId), { force: true });
    this.o.live.notifySession(sessionId, EVENTS.sessionEvent, {
      sessionId,
      type: 'pushed',
      count: journal.commits ?? 1,
      pushed: sha,
      sha: result.sha!,
      by: { id: actor.id, displayName: actor.displayName },
    } satisfies PushedEvent);
    return { sha: result.sha! };
  }

  /** Whether an op of push `sha` is in the document's log from version `from` on. */
  private async landed(sessionId: string, fileId: string, from: number, sha: string): Promise<boolean> {
    const ops = await new Promise<Array<{ m?: Record<string, unknown> }>>((resolve, reject) =>
      this.o.db.getOps(
        COLLECTION_FILES,
        fileDocId(sessionId, fileId),
        from,
        null,
        { metadata: true },
        (err: unknown, res: never) => (err ? reject(err) : resolve(res)),
      ),
    );
    return ops.some((op) => op.m?.[PUSH_KEY] === sha);
  }

  /** What the push does to each live file, or PushRefused naming every file that stops it. */
  private async plan(
    sessionId: string,
    repo: Repo,
    base: string | null,
    baseFiles: Map<string, PushedFile>,
    pushed: Map<string, PushedFile>,
  ): Promise<Step[]> {
    const manifest = await this.o.sessions.manifest(sessionId);
    const byPath = new Map(Object.entries(manifest.files).map(([id, f]) => [f.path, id]));
    const covered = base ? await lastCovered(repo, byPath.values(), base) : new Map<string, number>();
    const steps: Step[] = [];
    const refusals: string[] = [];
    const live = (fileId: string) =>
      withDoc<{ text: string }, { text: string; v: number } | null>(
        this.o.conn,
        COLLECTION_FILES,
        fileDocId(sessionId, fileId),
        async (doc) => (doc.type ? { text: String(doc.data.text), v: doc.version ?? 0 } : null),
      );

    // Exact renames: a deleted base path whose blob reappears at an added path.
    const added = [...pushed.keys()].filter((p) => !baseFiles.has(p));
    const deleted = [...baseFiles.keys()].filter((p) => !pushed.has(p));
    const renamedFrom = new Set<string>();
    const renamedTo = new Set<string>();
    for (const to of added) {
      const from = deleted.find((d) => !renamedFrom.has(d) && baseFiles.get(d)!.oid === pushed.get(to)!.oid);
      const fileId = from === undefined ? undefined : byPath.get(from);
      if (from === undefined || fileId === undefined || byPath.has(to)) continue;
      renamedFrom.add(from);
      renamedTo.add(to);
      steps.push({ kind: 'rename', fileId, from, to });
    }

    for (const [path, file] of pushed) {
      const before = baseFiles.get(path);
      if (renamedTo.has(path) || before?.oid === file.oid) continue;
      const fileId = byPath.get(path);
      const mode = file.mode ? { mode: file.mode } : {};
      if (fileId === undefined) {
        if (before)
          refusals.push(
            `${path}: deleted or renamed in Gitpad since your base version; fetch and merge first.`,
          );
        else if (file.text === null)
          steps.push({ kind: 'create', file: { path, blob: { oid: file.oid, size: file.size }, ...mode } });
        else steps.push({ kind: 'create', file: { path, content: file.text, ...mode } });
        continue;
      }
      const entry = manifest.files[fileId]!;
      if (entry.blob || file.text === null || before?.text === null) {
        // A binary file: its blob is replaced when Gitpad still has the base's (or the same one).
        const liveOid = entry.blob?.oid;
        if (!entry.blob || file.text !== null) {
          // Text becoming binary or back: the file is replaced (its last live text is committed
          // first), unless Gitpad changed the binary file the push replaces.
          if (entry.blob && liveOid !== before?.oid)
            refusals.push(`${path}: binary file changed both in Gitpad and in the push.`);
          else {
            const content: NewFile =
              file.text === null
                ? { path, blob: { oid: file.oid, size: file.size }, ...mode }
                : { path, content: file.text, ...mode };
            steps.push({ kind: 'replace', fileId, path, file: content });
          }
        } else if (liveOid !== file.oid && liveOid !== before?.oid)
          refusals.push(`${path}: binary file changed both in Gitpad and in the push.`);
        else if (liveOid !== file.oid)
          steps.push({ kind: 'blob', fileId, path, blob: { oid: file.oid, size: file.size }, ...mode });
        continue;
      }
      const now = await live(fileId);
      if (!now) continue;
      if (!before || before.text === null) {
        // Added on both sides: the same text is no change; anything else is a conflict.
        if (now.text !== file.text)
          refusals.push(`${path}: added both in Gitpad and in the push (lines 1-${lineCount(file.text)}).`);
        continue;
      }
      const at = covered.get(fileId);
      if (at !== undefined && (await this.opsSince(sessionId, fileId, at, now.v))) {
        steps.push({ kind: 'edit', fileId, path, at, op: textDiffOp(before.text, file.text) });
        continue;
      }
      const merged = merge3(before.text, now.text, file.text);
      if ('overlaps' in merged) {
        for (const o of merged.overlaps)
          refusals.push(
            `${path}: lines ${o.from}-${Math.max(o.from, o.to)} conflict with edits made in Gitpad.`,
          );
        continue;
      }
      steps.push({ kind: 'edit', fileId, path, at: now.v, op: textDiffOp(now.text, merged.text) });
    }
    for (const path of deleted) {
      if (renamedFrom.has(path)) continue;
      const fileId = byPath.get(path);
      if (fileId !== undefined) steps.push({ kind: 'delete', fileId, path });
    }
    // What the session service would refuse half-way is refused here, before anything is applied.
    const rules: string[] = [];
    for (const step of steps) {
      const made = step.kind === 'create' ? step.file.path : step.kind === 'rename' ? step.to : null;
      if (made === null) continue;
      const checked = checkPath(made);
      if (!checked.ok) rules.push(`"${made}": ${checked.reason}`);
      else if (checked.path !== made) rules.push(`"${made}": Gitpad keeps paths in Unicode NFC; rename it.`);
    }
    const count =
      Object.keys(manifest.files).length +
      steps.filter((x) => x.kind === 'create').length -
      steps.filter((x) => x.kind === 'delete').length;
    const cap = this.o.limits.maxFilesPerSession;
    if (cap !== undefined && count > cap)
      rules.push(`The session would hold ${count} files; it may hold at most ${cap}.`);
    if (rules.length > 0) throw new PushRefused('refused by the session', rules);
    if (refusals.length > 0) throw new PushRefused('conflicts with live edits', refusals);
    const changed = steps.length;
    if (changed > this.o.limits.maxFiles)
      throw new PushRefused('too many files', [
        `This push changes ${changed} files; this server takes at most ${this.o.limits.maxFiles} per push.`,
      ]);
    return steps;
  }

  /** Whether every op from version `from` to `to` is still in the op log (not compacted). */
  private async opsSince(sessionId: string, fileId: string, from: number, to: number): Promise<boolean> {
    if (from > to) return false;
    if (from === to) return true;
    try {
      const ops = await new Promise<unknown[]>((resolve, reject) =>
        this.o.db.getOps(
          COLLECTION_FILES,
          fileDocId(sessionId, fileId),
          from,
          to,
          {},
          (err: unknown, res: never) => (err ? reject(err) : resolve(res)),
        ),
      );
      return ops.length === to - from;
    } catch {
      return false;
    }
  }
}

function lineCount(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** Writes `text` to `file` through a temp file, fsynced and renamed into place. */
async function writeDurably(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp`;
  const fh = await fs.promises.open(tmp, 'w');
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.promises.rename(tmp, file);
  const dir = await fs.promises.open(path.dirname(file), 'r');
  await dir.sync();
  await dir.close();
}
