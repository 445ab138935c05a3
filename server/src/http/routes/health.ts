/**
 * Probes for an orchestrator or a load balancer. `/api/health` (liveness): the process answers.
 * `/api/ready` (readiness): it can do its work right now, that is write to the store, write in
 * the repos dir, and run git; 200 `{ok: true, checks}`, else 503 naming the check that failed.
 * No authentication: they say nothing a LAN user could not learn by using the app.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Router from '@koa/router';
import { checkGit } from '../../git/index.js';
import type { Services } from '../../services.js';

/** A check that has not answered in this long has failed: a hung disk must not hang the probe. */
const CHECK_TIMEOUT_MS = 5000;

export type CheckResult = { ok: true } | { ok: false; error: string };

async function check(run: () => Promise<unknown>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([run(), timeout]);
    return { ok: true };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // A file system error by its code alone: its message would show server paths to anyone.
    return { ok: false, error: e.syscall && e.code ? `${e.code} (${e.syscall})` : String(e.message ?? err) };
  } finally {
    clearTimeout(timer);
  }
}

/** Writes, reads back and removes a small file in `dir`. */
async function probeDir(dir: string): Promise<void> {
  // A dot name: never a session (`<id>.git`), and left alone by the commit worker's scans.
  const file = path.join(dir, `.ready-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  try {
    await fs.promises.writeFile(file, 'ready\n', { flag: 'wx' });
    await fs.promises.readFile(file);
  } finally {
    await fs.promises.rm(file, { force: true });
  }
}

export function healthRoutes(services: Services): Router {
  const router = new Router();
  router.get('/api/health', (ctx) => {
    ctx.body = { ok: true };
  });
  router.get('/api/ready', async (ctx) => {
    const [store, repos, git] = await Promise.all([
      // A real write through the same store every request uses.
      check(() => services.store.settings.set('readiness-probe', new Date().toISOString())),
      check(() => probeDir(services.config.reposDir)),
      check(() => checkGit()),
    ]);
    const checks = { store, repos, git };
    const ok = store.ok && repos.ok && git.ok;
    ctx.status = ok ? 200 : 503;
    ctx.body = { ok, checks };
  });
  return router;
}
