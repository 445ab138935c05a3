/**
 * A tiny request/response channel over Node's IPC between the bench runner and its children (the
 * server under test, the transport floor, the load generators). The runner calls a method by name
 * with one JSON argument; the child answers with one JSON result. Nothing here is Gitpad-specific.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What a server process (real or floor) reports about itself; cumulative since it started. */
export interface ServerStats {
  /** User + system CPU time, microseconds (`process.cpuUsage()`). */
  cpuUs: number;
  rss: number;
  heapUsed: number;
  external: number;
  /** Submits ShareDB finished (acknowledged or refused), and how many retries they needed. */
  submits: number;
  retries: number;
  /** The child's monotonic clock, ms, to turn CPU deltas into utilisation. */
  wallMs: number;
  /** Event-loop delay since the last `stats` call, ms (real server only). */
  loopDelay?: { p50: number; p99: number; max: number };
}

type Handler = (arg: any) => unknown;

interface CallMessage {
  type: 'call';
  id: number;
  method: string;
  arg: unknown;
}

/** This process's CPU time and memory as a server reports them (`retries`: submit retries, if it counts them). */
export function processStats(submits: number, retries = 0): ServerStats {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return {
    cpuUs: cpu.user + cpu.system,
    rss: mem.rss,
    heapUsed: mem.heapUsed,
    external: mem.external,
    submits,
    retries,
    wallMs: performance.now(),
  };
}

/** Child side: answers the parent's calls with `handlers`. */
export function serveIpc(handlers: Record<string, Handler>): void {
  handlers.shutdown ??= () => {
    setImmediate(() => process.exit(0));
    return null;
  };
  process.on('message', (m: CallMessage) => {
    if (m?.type !== 'call') return;
    const handler = handlers[m.method];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`no method ${m.method}`);
        return handler(m.arg);
      })
      .then(
        (result) => process.send?.({ type: 'result', id: m.id, result: result ?? null }),
        (err: unknown) =>
          process.send?.({
            type: 'result',
            id: m.id,
            error: err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err),
          }),
      );
  });
  // The runner going away must not leave load generators or servers behind.
  process.on('disconnect', () => process.exit(0));
}

export interface ForkOptions {
  env?: Record<string, string>;
  /** Extra node flags (`--cpu-prof`, `--expose-gc`...). */
  nodeArgs?: string[];
  /** The child's first message of this type is the ready signal; its payload is returned. */
  readyType?: string;
  /** Shown in errors. */
  label: string;
}

/** Parent side: one forked TypeScript child (run through tsx) and its calls. */
export class Child {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve(v: any): void; reject(e: Error): void }>();
  private exited = false;
  private stderr = '';
  readonly exit: Promise<number | null>;

  private constructor(
    readonly proc: ChildProcess,
    readonly label: string,
  ) {
    proc.on('message', (m: { type?: string; id?: number; result?: unknown; error?: string }) => {
      if (m?.type !== 'result' || m.id === undefined) return;
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.error) w.reject(new Error(`${label}: ${m.error}`));
      else w.resolve(m.result);
    });
    proc.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-8000);
      if (process.env.BENCH_DEBUG) process.stderr.write(`[${label}] ${d}`);
    });
    this.exit = new Promise((resolve) =>
      proc.on('exit', (code) => {
        this.exited = true;
        for (const w of this.waiting.values())
          w.reject(new Error(`${label} exited (${code}) during a call:\n${this.stderr}`));
        this.waiting.clear();
        resolve(code);
      }),
    );
  }

  /** Forks `script` (a path relative to this folder) and waits for its ready message. */
  static async start(script: string, opts: ForkOptions): Promise<{ child: Child; ready: any }> {
    const file = fileURLToPath(new URL(script, import.meta.url));
    const proc = fork(file, [], {
      execArgv: ['--import', 'tsx', ...(opts.nodeArgs ?? [])],
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    const child = new Child(proc, opts.label);
    const readyType = opts.readyType ?? 'ready';
    const ready = await new Promise<any>((resolve, reject) => {
      const onMessage = (m: { type?: string }) => {
        if (m?.type === readyType) {
          proc.off('message', onMessage);
          resolve(m);
        }
      };
      proc.on('message', onMessage);
      child.exit.then((code) =>
        reject(new Error(`${opts.label} exited (${code}) before ready:\n${child.stderr}`)),
      );
    });
    return { child, ready };
  }

  call<T = any>(method: string, arg: unknown = null): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.label} has exited:\n${this.stderr}`));
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.proc.send({ type: 'call', id, method, arg } satisfies CallMessage);
    });
  }

  /** Asks the child to shut down (`shutdown` method if it has one), then makes sure it is gone. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.exited) return;
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    try {
      await Promise.race([this.call('shutdown').catch(() => undefined), this.exit]);
      await this.exit;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (!this.exited) this.proc.kill('SIGKILL');
  }
}
