/**
 * `git push` over smart HTTP (issue 13): `POST /git/<id>.git/git-receive-pack`.
 *
 * The pack never enters the session's repository directly. Each push gets a quarantine: a fresh
 * bare repository under `<reposDir>/.push/` whose objects alternate to the session's and whose
 * `main` is the session's head. `git http-backend` runs `receive-pack` into it with
 * `receive.fsckObjects` (and fsck's name rules as errors), `receive.maxInputSize`, no deletes, no
 * non-fast-forwards, and a pre-receive hook that refuses every ref but `refs/heads/main`; git's own
 * quarantine drops the objects of a push refused there. git's answer (the report-status) is held
 * back: the pushed commit is applied to the live session (versions/push.ts), and only once its
 * merge version exists does the client hear `ok refs/heads/main`; a refusal rewrites the line to
 * `ng refs/heads/main <reason>` with `remote:` lines saying why. The quarantine is removed
 * afterwards whatever happened (and at start, see `cleanPushQuarantines`).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import type { Context } from 'koa';
import { AppError } from '../../errors/app-error.js';
import { gitIn } from '../../git/cli.js';
import type { Logger } from '../../log/index.js';
import { PushRefused, type PushService } from '../../versions/push.js';
import type { Actor } from '../../versions/service.js';
import { runHttpBackend } from './smart-http.js';

export interface ReceivePackOptions {
  reposDir: string;
  sessionId: string;
  actor: Actor;
  push: PushService;
  logger: Logger;
  /** Largest pack accepted, bytes (config `pushMaxPackBytes`): git's `receive.maxInputSize`. */
  maxPackBytes: number;
  backend: { idleTimeoutMs: number; minBytesPerSecond: number; rateWindowMs: number };
}

const HOOK = `#!/bin/sh
# Gitpad: only main is pushed, and never deleted.
zero=0000000000000000000000000000000000000000
while read old new ref; do
  if [ "$ref" != refs/heads/main ]; then
    echo "Gitpad takes pushes to main only, not $ref." >&2
    exit 1
  fi
  case "$new" in *[!0]*) ;; *) echo "Gitpad: main cannot be deleted." >&2; exit 1 ;; esac
done
exit 0
`;

/** fsck findings git only warns about by default, made errors: the names our own commits refuse. */
const STRICT = [
  'hasDot',
  'hasDotdot',
  'hasDotgit',
  'emptyName',
  'fullPathname',
  'zeroPaddedFilemode',
  'badFilemode',
];

/** The folder of push quarantines under the repos dir (not a session id, so never a session repo). */
export function quarantineRoot(reposDir: string): string {
  return path.join(reposDir, '.push');
}

/** Removes quarantines left by a crash: none of their objects was ever made visible. */
export async function cleanPushQuarantines(reposDir: string): Promise<void> {
  await fs.promises.rm(quarantineRoot(reposDir), { recursive: true, force: true });
}

/** Serves one push; see the module comment. */
export async function serveReceivePack(ctx: Context, o: ReceivePackOptions): Promise<void> {
  const repoDir = path.join(o.reposDir, `${o.sessionId}.git`);
  const root = quarantineRoot(o.reposDir);
  const name = `${o.sessionId}-${randomBytes(6).toString('hex')}.git`;
  const dir = path.join(root, name);
  await fs.promises.mkdir(root, { recursive: true });
  try {
    await gitIn(dir, ['init', '--bare', '-q', dir]);
    await fs.promises.writeFile(
      path.join(dir, 'objects', 'info', 'alternates'),
      `${path.resolve(repoDir, 'objects')}\n`,
    );
    const head = await readMain(repoDir);
    // The client's push says which `main` it saw. A version saved since (the commit worker, "Save
    // version", another push) is no reason to refuse it: main in the quarantine is what the client
    // saw when that is a version of this session, and the apply merges it with what came after.
    const body = ctx.get('content-encoding') ? null : await peekBody(ctx.req, o.backend.idleTimeoutMs);
    const claimed = body ? claimedMain(body.head) : null;
    let start = head;
    if (head && claimed && claimed !== head) {
      const known = await gitIn(repoDir, ['merge-base', '--is-ancestor', claimed, head]).then(
        () => true,
        () => false,
      );
      if (known) start = claimed;
    }
    if (start) await gitIn(dir, ['update-ref', 'refs/heads/main', start]);
    await fs.promises.writeFile(path.join(dir, 'hooks', 'pre-receive'), HOOK, { mode: 0o755 });

    const config: Record<string, string> = {
      'http.receivepack': 'true',
      'receive.fsckObjects': 'true',
      'receive.denyDeletes': 'true',
      'receive.denyNonFastForwards': 'true',
      'receive.maxInputSize': String(o.maxPackBytes),
      'core.hooksPath': path.join(dir, 'hooks'),
    };
    for (const id of STRICT) config[`receive.fsck.${id}`] = 'error';
    const output = await runHttpBackend(ctx, {
      reposDir: root,
      pathInfo: `/${name}/git-receive-pack`,
      username: o.actor.username,
      ...o.backend,
      onError: (msg, extra) => o.logger.warn(msg, { sessionId: o.sessionId, ...extra }),
      config,
      capture: true,
      ...(body ? { body: body.body } : {}),
    });
    if (output === null || ctx.res.writableEnded) {
      if (!ctx.res.headersSent)
        ctx.res.writeHead(500, { 'content-type': 'text/plain' }).end('The push failed.\n');
      return;
    }
    const answer = splitCgi(output);
    const pushed = await readMain(dir);
    const messages: string[] = [];
    let refusal: string | null = null;
    if (pushed && pushed !== start && answer.okMain()) {
      try {
        const result = await o.push.apply(o.sessionId, dir, pushed, o.actor, () =>
          migrateObjects(dir, repoDir),
        );
        messages.push(`Gitpad: applied to the live session as version ${result.sha.slice(0, 7)}.`);
      } catch (err) {
        if (err instanceof PushRefused) {
          refusal = err.reason;
          messages.push(...err.lines.map((l) => `Gitpad: ${l}`));
        } else if (err instanceof AppError) {
          // A rule of the session's (too many files, a path that clashes with a folder…).
          refusal = 'refused by the session';
          messages.push(`Gitpad: ${err.message}`);
        } else {
          // Anything else may name server paths: logged, not sent.
          o.logger.error('push could not be applied', { sessionId: o.sessionId, err });
          refusal = 'the server could not apply the push (its log says why)';
        }
      }
    }
    ctx.res.writeHead(answer.status, answer.headers);
    ctx.res.end(answer.rewrite(messages, refusal));
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

async function readMain(gitDir: string): Promise<string | null> {
  const out = await gitIn(gitDir, ['rev-parse', '--verify', '-q', 'refs/heads/main^{commit}']).catch(
    () => null,
  );
  const sha = out?.toString().trim();
  return sha || null;
}

/**
 * Moves the objects received into `from` (packs and loose objects) into `to`'s object store, each
 * file written to a temp name, fsynced and renamed; a pack's `.idx` after its `.pack` (git finds
 * packs by their index). Objects nothing names yet are harmless: a crash leaves `fsck` clean.
 */
async function migrateObjects(from: string, to: string): Promise<void> {
  const src = path.join(from, 'objects');
  const dst = path.join(to, 'objects');
  const move = async (rel: string) => {
    const target = path.join(dst, rel);
    if (fs.existsSync(target)) return;
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    // `tmp_`: what cleanupRepo (git/atomic-fs.ts) removes at start if a crash leaves it.
    const tmp = path.join(path.dirname(target), `tmp_gitpad_${randomBytes(6).toString('hex')}`);
    await fs.promises.copyFile(path.join(src, rel), tmp);
    const fh = await fs.promises.open(tmp, 'r');
    await fh.sync();
    await fh.close();
    await fs.promises.rename(tmp, target);
  };
  const dirs = await fs.promises.readdir(src);
  for (const d of dirs) {
    if (!/^[0-9a-f]{2}$/.test(d)) continue;
    for (const f of await fs.promises.readdir(path.join(src, d))) await move(path.join(d, f));
  }
  const packs = await fs.promises.readdir(path.join(src, 'pack')).catch(() => [] as string[]);
  for (const f of packs.filter((p) => p.endsWith('.pack'))) {
    await move(path.join('pack', f));
    const idx = f.replace(/\.pack$/, '.idx');
    if (packs.includes(idx)) await move(path.join('pack', idx));
  }
  const dirFh = await fs.promises.open(dst, 'r');
  await dirFh.sync();
  await dirFh.close();
}

/**
 * Reads the start of a request body, up to the flush that ends receive-pack's commands (or 64 KiB),
 * without losing it: `body` streams it again, followed by the rest.
 */
function peekBody(req: Readable, timeoutMs: number): Promise<{ head: Buffer; body: Readable }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    // A client that sends nothing is left to the transfer's own idle cut-off.
    const timer = setTimeout(() => finish(), timeoutMs);
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', finish);
      req.off('error', reject);
      req.pause();
      const head = Buffer.concat(chunks);
      const body = new PassThrough();
      body.write(head);
      if (req.readableEnded) body.end();
      else req.pipe(body);
      resolve({ head, body });
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= 64 * 1024 || commandsEnd(Buffer.concat(chunks)) >= 0) finish();
    };
    req.on('data', onData);
    req.once('end', finish);
    req.once('error', reject);
  });
}

/** Where receive-pack's command list ends (just past its flush-pkt), or -1 if not yet. */
function commandsEnd(buf: Buffer): number {
  let at = 0;
  while (at + 4 <= buf.length) {
    const len = Number.parseInt(buf.subarray(at, at + 4).toString('latin1'), 16);
    if (Number.isNaN(len)) return -1;
    if (len === 0) return at + 4;
    if (len < 4) return -1;
    at += len;
  }
  return -1;
}

/** The old value the client sent for `refs/heads/main` (null: none, or no such command). */
function claimedMain(head: Buffer): string | null {
  const end = commandsEnd(head);
  if (end < 0) return null;
  for (const line of readPkts(head.subarray(0, end))) {
    const [old, , ref] = line.toString('latin1').split('\0')[0]!.trim().split(' ');
    if (ref === 'refs/heads/main' && old && /^[0-9a-f]{40}$/.test(old) && !/^0+$/.test(old)) return old;
  }
  return null;
}

/** Encodes one pkt-line. */
function pkt(data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0')), body]);
}

/** Splits a buffer of pkt-lines into their payloads (flushes dropped). */
function readPkts(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at + 4 <= buf.length) {
    const len = Number.parseInt(buf.subarray(at, at + 4).toString('latin1'), 16);
    if (Number.isNaN(len)) break;
    if (len < 4) {
      at += 4;
      continue;
    }
    out.push(buf.subarray(at + 4, at + len));
    at += len;
  }
  return out;
}

/** git http-backend's captured answer: CGI status and headers, and the report it carries. */
function splitCgi(output: Buffer) {
  const crlf = output.indexOf('\r\n\r\n');
  const lf = output.indexOf('\n\n');
  const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : output.length;
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of output.subarray(0, end).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
    else headers[key] = value;
  }
  const body = output.subarray(end);
  const pkts = readPkts(body);
  // With side-band-64k (every git since 2009 asks for it) the report is in band 1.
  const banded = pkts.length > 0 && pkts.every((p) => p[0]! >= 1 && p[0]! <= 3);
  const progress = banded ? pkts.filter((p) => p[0] !== 1) : [];
  const report = banded
    ? readPkts(Buffer.concat(pkts.filter((p) => p[0] === 1).map((p) => p.subarray(1)))).map((p) =>
        p.toString('utf8'),
      )
    : pkts.map((p) => p.toString('utf8'));
  return {
    status,
    headers,
    /** Whether git itself accepted the update of main. */
    okMain: () => report.some((l) => l.trimEnd() === 'ok refs/heads/main'),
    /** The answer to send: `messages` as `remote:` lines, main's line failed with `refusal` if given. */
    rewrite(messages: string[], refusal: string | null): Buffer {
      if (body.length === 0 || status !== 200) return body;
      const lines = report.map((l) =>
        refusal !== null && l.trimEnd() === 'ok refs/heads/main' ? `ng refs/heads/main ${refusal}\n` : l,
      );
      const inner = Buffer.concat([...lines.map((l) => pkt(l)), Buffer.from('0000')]);
      if (!banded) return inner;
      const parts: Buffer[] = [...progress.map((p) => pkt(p))];
      for (const m of messages)
        parts.push(pkt(Buffer.concat([Buffer.from([2]), Buffer.from(`${m}\n`, 'utf8')])));
      for (let i = 0; i < inner.length; i += 65515)
        parts.push(pkt(Buffer.concat([Buffer.from([1]), inner.subarray(i, i + 65515)])));
      parts.push(Buffer.from('0000'));
      return Buffer.concat(parts);
    },
  };
}
