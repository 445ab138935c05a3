/**
 * A real Gitpad server in a child process (server/test/fixtures/server-process.ts), for tests that
 * kill it with SIGKILL and start it again on the same data.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/server-process.ts');

export interface ChildServer {
  proc: ChildProcess;
  url: string;
}

/** Starts the server with `env` (DATA_DIR, REPOS_DIR, …) and resolves once it listens. */
export function startChild(env: Record<string, string>): Promise<ChildServer> {
  const proc = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    env: { ...process.env, LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 20_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /LISTENING (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, url: `http://127.0.0.1:${m[1]}` });
      }
    });
    proc.on('exit', (code) => reject(new Error(`server exited early (${code}): ${out}`)));
  });
}

/** SIGKILLs the server (no shutdown of any kind) and resolves once it is gone. */
export function kill(child: ChildServer): Promise<void> {
  return new Promise((resolve) => {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) return resolve();
    child.proc.once('exit', () => resolve());
    child.proc.kill('SIGKILL');
  });
}
