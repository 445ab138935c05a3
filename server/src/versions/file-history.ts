/**
 * Reading one file's past (issue 15, item 3): the versions that changed it (following renames by
 * file id) and blame of its latest committed text, with the live overlay of lines typed since
 * (live-blame.ts). Git does the walking (git/file-history.ts); this adds the session: which file a
 * path names, who the authors are among its members, and the op log.
 */
import { defaultGitEmail, gitIdentity } from '../auth/git-identity.js';
import { AppError } from '../errors/app-error.js';
import {
  type Blame,
  blameFile,
  countLines,
  type DiffEngine,
  type FileRef,
  fileHistory,
  GitpadNotesReader,
  headSha,
  lastCovered,
  openRepo,
  type Repo,
  readFileAt,
} from '../git/index.js';
import { remember } from '../git/repo.js';
import { lineDiff } from '../git/text-diff.js';
import type { Connection } from '../ot/docs.js';
import { withDoc } from '../ot/docs.js';
import type { BlameResponse, BlameRun, FileVersion, LiveRun } from '../protocol/versions.js';
import { COLLECTION_FILES, fileDocId } from '../sessions/ids.js';
import { validatePath } from '../sessions/paths.js';
import type { SessionService } from '../sessions/service.js';
import type { ShareDBAdapter, Store } from '../storage/types.js';
import { replayAuthors, type StoredOp } from './live-blame.js';

export interface FileHistoryOptions {
  store: Store;
  db: ShareDBAdapter;
  conn: Connection;
  sessions: SessionService;
  reposDir: string;
  diffEngine: DiffEngine;
  gitEmailDomain: string;
}

const CACHED_BLAMES = 100;

export class FileHistoryService {
  /** (session, file, head) → blame of the committed text: commits never change, so neither does it. */
  private readonly blames = new Map<string, Promise<Blame>>();

  constructor(private readonly o: FileHistoryOptions) {}

  private repo(sessionId: string): Promise<Repo> {
    return openRepo(this.o.reposDir, sessionId);
  }

  /**
   * Which file `path` names: a live file (by the manifest), else a file of the latest version (a
   * deleted one). `path` is where to start in the head version, `fileId` follows renames.
   */
  private async resolve(
    sessionId: string,
    repo: Repo,
    rawPath: unknown,
  ): Promise<FileRef & { head: string | null; live?: { fileId: string; path: string } }> {
    const path = validatePath(rawPath);
    const head = await headSha(repo);
    const headPaths = head ? await new GitpadNotesReader(repo).paths(head) : null;
    const manifest = await this.o.sessions.manifest(sessionId);
    const liveId = Object.entries(manifest.files).find(([, f]) => f.path === path && !f.blob)?.[0];
    if (liveId) {
      const atHead = headPaths?.[liveId];
      return { head, path: atHead ?? path, fileId: liveId, live: { fileId: liveId, path } };
    }
    const byId = headPaths ? Object.entries(headPaths).find(([, p]) => p === path)?.[0] : undefined;
    return { head, path, ...(byId ? { fileId: byId } : {}) };
  }

  /** The versions that changed the file at `path`, newest first; see git/file-history.ts. */
  async fileHistory(
    sessionId: string,
    input: { path: unknown; limit: number; before?: string | undefined },
  ): Promise<{ versions: FileVersion[]; next: { before: string; path: string } | null }> {
    const repo = await this.repo(sessionId);
    const file = await this.resolve(sessionId, repo, input.path);
    // Paging: the cursor names the path at that point; the file id still follows it.
    const ref: FileRef = input.before === undefined ? file : { ...file, path: validatePath(input.path) };
    return fileHistory(repo, ref, {
      limit: input.limit,
      engine: this.o.diffEngine,
      ...(input.before !== undefined ? { before: input.before } : {}),
    });
  }

  /** Blame of the file's latest committed text, with the live overlay; see BlameResponse. */
  async blame(sessionId: string, rawPath: unknown): Promise<BlameResponse> {
    const repo = await this.repo(sessionId);
    const file = await this.resolve(sessionId, repo, rawPath);
    if (!file.live && !file.head)
      throw new AppError('ERR_FILE_NOT_FOUND', 'This session has no versions yet.');
    let blame: Blame | null = null;
    if (file.head) {
      const key = `${sessionId}\0${file.fileId ?? ''}\0${file.path}\0${file.head}`;
      let pending = this.blames.get(key);
      if (!pending) {
        pending = blameFile(repo, file, { from: file.head, engine: this.o.diffEngine });
        remember(this.blames, key, pending, CACHED_BLAMES);
        pending.catch(() => this.blames.delete(key));
      }
      try {
        blame = await pending;
      } catch (err) {
        // A live file not in any version yet: all of it is uncommitted.
        if (!(file.live && (err as { code?: unknown }).code === 'ERR_FILE_NOT_FOUND')) throw err;
      }
    }
    if (!blame && !file.live)
      throw new AppError('ERR_FILE_NOT_FOUND', `${file.path} is not in the latest version.`);
    const { ids, people } = await this.authorIds(sessionId);
    const runs: BlameRun[] = (blame?.runs ?? []).map((r) => {
      const id = ids.get(r.author.email.toLowerCase());
      return { ...r, author: { ...(id ? { id } : {}), ...r.author } };
    });
    const committed = blame ? await readFileAt(repo, blame.sha, blame.path) : '';
    const overlay = file.live
      ? await this.liveOverlay(sessionId, repo, file.live.fileId, committed, blame !== null)
      : { text: committed, live: [] };
    return {
      sha: blame?.sha ?? file.head,
      path: file.live?.path ?? file.path,
      lines: blame?.lines ?? 0,
      runs,
      truncated: blame?.truncated ?? false,
      live: overlay.live,
      people: await this.withTypists(people, overlay.live),
      ...mergeRuns(runs, blame?.lines ?? 0, committed, overlay),
    };
  }

  /**
   * The live text and its uncommitted lines with who typed them: the ops since the version the
   * latest commit covers, replayed over the committed text. When those ops are not all there (or
   * are not plain text edits), the lines are still marked, with nobody named.
   */
  private async liveOverlay(
    sessionId: string,
    repo: Repo,
    fileId: string,
    committed: string,
    inHead: boolean,
  ): Promise<{ text: string; live: LiveRun[] }> {
    const docId = fileDocId(sessionId, fileId);
    // Covers are keyed by file id (versions/worker.ts).
    const from = inHead ? ((await lastCovered(repo, [fileId])).get(fileId) ?? null) : 0;
    if (from !== null) {
      try {
        const ops = await new Promise<StoredOp[]>((resolve, reject) =>
          this.o.db.getOps(
            COLLECTION_FILES,
            docId,
            from,
            null,
            { metadata: true },
            (err: unknown, res: never) => (err ? reject(err) : resolve(res)),
          ),
        );
        if (ops.length === 0 || ops[0]!.v === from) {
          const replayed = replayAuthors(inHead ? committed : '', ops);
          if (replayed) return replayed;
        }
      } catch {
        // Compacted: fall through to naming nobody.
      }
    }
    const text =
      (await withDoc<{ text: string }, string | undefined>(
        this.o.conn,
        COLLECTION_FILES,
        docId,
        async (doc) => (doc.type ? doc.data.text : undefined),
      )) ?? '';
    return (
      replayAuthors(committed, [
        {
          op: [
            { p: ['text', 0], sd: committed },
            { p: ['text', 0], si: text },
          ],
        },
      ]) ?? {
        text,
        live: [],
      }
    );
  }

  /**
   * Commit e-mail (lowercase) → user id, for the session's members (chosen and default e-mails),
   * and their names.
   */
  private async authorIds(sessionId: string) {
    const ids = new Map<string, string>();
    const people: BlameResponse['people'] = {};
    for (const m of await this.o.store.members.list(sessionId)) {
      const u = await this.o.store.users.byId(m.userId);
      if (!u) continue;
      ids.set(defaultGitEmail(u.username, this.o.gitEmailDomain).toLowerCase(), u.id);
      ids.set(gitIdentity(u, this.o.gitEmailDomain).email.toLowerCase(), u.id);
      people[u.id] = { username: u.username, displayName: u.displayName };
    }
    return { ids, people };
  }

  /** `people` plus anyone in `live` who is no member any more (removed since they typed). */
  private async withTypists(people: BlameResponse['people'], live: readonly LiveRun[]) {
    for (const { userId } of live) {
      if (!userId || people[userId]) continue;
      const u = await this.o.store.users.byId(userId);
      people[userId] = u
        ? { username: u.username, displayName: u.displayName }
        : { username: '', displayName: '(deleted user)' };
    }
    return people;
  }
}

/**
 * The live text as runs: uncommitted lines from the overlay, every other line carried to the
 * committed line it still is (through the same line diff), with that line's version.
 */
function mergeRuns(
  runs: readonly BlameRun[],
  lines: number,
  committed: string,
  overlay: { text: string; live: readonly LiveRun[] },
): Pick<BlameResponse, 'liveRuns' | 'liveLines'> {
  const shaOf = new Array<string>(lines);
  for (const r of runs) for (let l = r.startLine; l <= r.endLine; l++) shaOf[l - 1] = r.sha;
  const liveOf = new Map<number, string | null>();
  for (const r of overlay.live) for (let l = r.startLine; l <= r.endLine; l++) liveOf.set(l, r.userId);
  // Unchanged live lines, in order, are the committed lines not deleted, in order.
  const liveLines = countLines(overlay.text);
  const out: BlameResponse['liveRuns'] = [];
  const kept = keptCommittedLines(committed, overlay.text);
  let k = 0;
  for (let l = 1; l <= liveLines; l++) {
    const uncommitted = liveOf.has(l);
    const sha = uncommitted ? null : (shaOf[kept[k++] ?? -1] ?? null);
    const userId = uncommitted ? liveOf.get(l)! : undefined;
    const last = out.at(-1);
    if (last && last.endLine === l - 1 && last.sha === sha && last.userId === userId) {
      last.endLine = l;
      continue;
    }
    out.push({ startLine: l, endLine: l, sha, ...(uncommitted ? { userId } : {}) });
  }
  return { liveRuns: out, liveLines };
}

/** The committed lines (0-based) the live text still has unchanged, in order (the line diff's common lines). */
function keptCommittedLines(committed: string, live: string): number[] {
  const diff = lineDiff(committed, live);
  const kept: number[] = [];
  let a = 0;
  for (const c of diff.changes) {
    while (a < c.oldStart) kept.push(a++);
    a += c.deleted;
  }
  while (a < diff.oldLines.length) kept.push(a++);
  return kept;
}
