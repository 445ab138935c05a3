/**
 * Search and replace across a session's files (issue 15), over the live text: the ShareDB
 * snapshots, unsaved typing included, not the last version. The matching runs in the search pool's
 * worker threads (search-job.ts), so a hostile pattern costs that thread its time cap, nothing more.
 *
 * Replace is applied as ordinary json0 edits through the server's ShareDB connection, submitted at
 * the document version the matches were found in: every open editor updates in place and whatever
 * was typed meanwhile is transformed around the replacements, never lost. The result is committed
 * as one version.
 */
import { AppError } from '../errors/app-error.js';
import type { Connection, TypedDoc } from '../ot/docs.js';
import { submitOp } from '../ot/docs.js';
import type { ReplaceResponse, SearchQuery, SearchResponse } from '../protocol/search.js';
import { COLLECTION_FILES, fileDocId } from '../sessions/ids.js';
import type { SessionService } from '../sessions/service.js';
import type { Actor } from '../versions/service.js';
import type { CommitWorker } from '../versions/worker.js';
import {
  compileQuery,
  type Edit,
  type SearchFile,
  type SearchJob,
  type SearchJobResult,
} from './search-job.js';

/** Longest preview of a line, UTF-16 code units. */
const MAX_PREVIEW = 200;
/**
 * Most text one job carries to a worker, UTF-16 code units (the diff pool's bound too): a search
 * past it covers the files (by path) up to it and says `truncated`; a replace past it is refused.
 */
const MAX_JOB_CHARS = 64 * 1024 * 1024;

/** The files from the start whose texts fit in MAX_JOB_CHARS, and whether some were left out. */
function fitting(files: LiveFile[]): { files: LiveFile[]; cut: boolean } {
  let chars = 0;
  for (let i = 0; i < files.length; i++) {
    chars += files[i]!.doc.data.text.length;
    if (chars > MAX_JOB_CHARS) return { files: files.slice(0, i), cut: true };
  }
  return { files, cut: false };
}

export interface SearchServiceOptions {
  sessions: SessionService;
  worker: CommitWorker;
  /** Runs search jobs off the event loop, with a time cap (the server's search pool). */
  pool: { search(job: SearchJob): Promise<SearchJobResult> };
  /** A fresh trusted connection of the server's own, closed by the caller. */
  connect: () => Connection;
  /** Config `searchTimeoutMs`: half of it is the budget after which found results are sent. */
  timeoutMs: number;
  maxResults: number;
  /** Config `maxFileChars`: a replace that would grow a file past it is refused. */
  maxFileChars: number;
}

type FileDoc = TypedDoc<{ text: string }>;

interface LiveFile {
  path: string;
  doc: FileDoc;
}

export class SearchService {
  constructor(private readonly o: SearchServiceOptions) {}

  /** Matches of `query` in the live text of every file of the session, by path then position. */
  async search(sessionId: string, query: SearchQuery): Promise<SearchResponse> {
    checkQuery(query);
    const conn = this.o.connect();
    try {
      const { files, cut } = fitting(await this.liveFiles(conn, sessionId, undefined));
      const result = await this.o.pool.search({
        kind: 'search',
        query,
        files: files.map(textOf),
        maxResults: this.o.maxResults,
        maxPreview: MAX_PREVIEW,
        budgetMs: this.o.timeoutMs / 2,
      });
      if (result.kind !== 'search') throw new Error('search pool: a replace answer to a search');
      return { results: result.results, truncated: result.truncated || cut };
    } finally {
      conn.close();
    }
  }

  /**
   * Replaces every match in the session's files (or in `paths`) with `replacement` (`$1`, `$&`,
   * `$<name>` in regex mode), as edits, and commits one version "Replace 'x' with 'y' in N files"
   * by `actor`. Nothing matched: nothing is committed and `sha` is null.
   */
  async replace(
    sessionId: string,
    query: SearchQuery,
    replacement: string,
    paths: string[] | undefined,
    actor: Actor,
  ): Promise<ReplaceResponse> {
    checkQuery(query);
    const conn = this.o.connect();
    try {
      // Under the commit lock: no scheduled commit lands between the edits and their version.
      return await this.o.worker.exclusive(sessionId, async (commit) => {
        const files = await this.liveFiles(conn, sessionId, paths);
        if (fitting(files).cut) {
          throw new AppError(
            'ERR_TOO_LARGE',
            `These files hold more than ${MAX_JOB_CHARS} characters, more than one replace may change: choose fewer files.`,
          );
        }
        const result = await this.o.pool.search({
          kind: 'replace',
          query,
          replacement,
          files: files.map(textOf),
        });
        if (result.kind !== 'replace') throw new Error('search pool: a search answer to a replace');
        const changes = files
          .map((f, i) => ({ file: f, edits: result.edits[i] ?? [] }))
          .filter((c) => c.edits.length > 0);
        for (const { file, edits } of changes) {
          const grown = edits.reduce((n, e) => n + e.text.length - e.length, 0);
          if (file.doc.data.text.length + grown > this.o.maxFileChars) {
            throw new AppError(
              'ERR_TOO_LARGE',
              `Replacing would make ${file.path} larger than this server's limit of ${this.o.maxFileChars} characters.`,
            );
          }
        }
        let changed = 0;
        let replacements = 0;
        let chars = 0;
        for (const { file, edits } of changes) {
          try {
            await submitOp(file.doc, replaceOp(file.doc.data.text, edits), { replace: true });
          } catch (err) {
            // Deleted meanwhile: nothing of it to replace.
            const code = (err as { code?: unknown }).code;
            if (code !== 'ERR_FILE_DELETED' && code !== 'ERR_DOC_WAS_DELETED') throw err;
            continue;
          }
          changed++;
          replacements += edits.length;
          chars += edits.reduce((n, e) => n + Math.max(e.length, e.text.length), 0);
        }
        if (changed === 0) return { files: 0, replacements: 0, sha: null };
        this.o.worker.noteEdit(sessionId, actor.id, chars);
        const message = `Replace '${shown(query.q)}' with '${shown(replacement)}' in ${changed} file${changed === 1 ? '' : 's'}`;
        const version = await commit({ message, actorId: actor.id, kind: 'replace' });
        return { files: changed, replacements, sha: version.sha };
      });
    } finally {
      conn.close();
    }
  }

  /** The session's files (or those at `paths`) with their documents fetched on `conn`, by path. */
  private async liveFiles(
    conn: Connection,
    sessionId: string,
    paths: string[] | undefined,
  ): Promise<LiveFile[]> {
    const manifest = await this.o.sessions.manifest(sessionId);
    let entries = Object.entries(manifest.files).map(([id, f]) => ({ id, path: f.path }));
    if (paths) {
      const wanted = new Set(paths);
      entries = entries.filter((e) => wanted.delete(e.path));
      const [missing] = wanted;
      if (missing !== undefined)
        throw new AppError('ERR_FILE_NOT_FOUND', `No file ${missing} in this session.`);
    }
    entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const docs = entries.map((e) => conn.get(COLLECTION_FILES, fileDocId(sessionId, e.id)) as FileDoc);
    // One bulk fetch for the lot: a 1,000-file session is one round trip, not a thousand.
    const bulk = conn as unknown as { startBulk(): void; endBulk(): void };
    bulk.startBulk();
    const fetched = Promise.all(
      docs.map(
        (d) => new Promise<void>((resolve, reject) => d.fetch((err) => (err ? reject(err) : resolve()))),
      ),
    );
    bulk.endBulk();
    await fetched;
    const files: LiveFile[] = [];
    entries.forEach((e, i) => {
      const doc = docs[i]!;
      if (doc.type && typeof doc.data?.text === 'string') files.push({ path: e.path, doc });
    });
    return files;
  }
}

function textOf(f: LiveFile): SearchFile {
  return { path: f.path, text: f.doc.data.text };
}

/** Invalid regex → ERR_VALIDATION with the engine's reason. */
function checkQuery(query: SearchQuery): void {
  const re = compileQuery(query);
  if (typeof re === 'string') throw new AppError('ERR_VALIDATION', `q: ${re}`);
}

/**
 * One json0 op making `edits` (in text order, not overlapping) to `text`: components from the end
 * of the text back, so each offset is one of the text the op was computed from.
 */
export function replaceOp(text: string, edits: Edit[]): unknown[] {
  const op: unknown[] = [];
  for (let i = edits.length - 1; i >= 0; i--) {
    const e = edits[i]!;
    if (e.length > 0) op.push({ p: ['text', e.offset], sd: text.slice(e.offset, e.offset + e.length) });
    if (e.text.length > 0) op.push({ p: ['text', e.offset], si: e.text });
  }
  return op;
}

/** A query or replacement as the commit message shows it: one line, at most 60 characters. */
function shown(s: string): string {
  const line = s.replace(/\r?\n/g, '\\n');
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}
