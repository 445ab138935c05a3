/**
 * What every scenario gets from the runner: the mode, a pool of load generator processes, the
 * server starters (tracked so nothing outlives a failed scenario), and the row format the table
 * and the JSON are made from.
 */
import path from 'node:path';
import { Child } from './ipc.js';
import { LoadMonitor, type LoadReport } from './load-monitor.js';
import { startPeer } from './peers/endpoints.js';
import type { SystemName } from './peers/systems.js';
import {
  type Endpoint,
  type GitpadEndpoint,
  type GitpadOptions,
  startFloor,
  startGitpad,
} from './targets.js';

/** One target of issue 7 (item 4) and whether this row met it. */
export interface Check {
  target: string;
  pass: boolean;
}

/** One line of the table (and one entry of the JSON). Times in ms. */
export interface Row {
  scenario: string;
  case: string;
  /** The headline figure(s), as shown. */
  result: string;
  p50?: number;
  p99?: number;
  /** Throughput against the transport floor in the same run. */
  floorRatio?: number;
  /** Server CPU time per op (per delivered op for the crowd), µs. */
  cpuUsPerOp?: number;
  /** Whether every client ended with the same, expected text; null where it does not apply. */
  converged: boolean | null;
  checks: Check[];
  /** Every figure measured, for the JSON. */
  figures: Record<string, unknown>;
  note?: string;
  /** How busy the machine was during the scenario (filled in by the runner). */
  load?: LoadReport | null;
}

export interface Scenario {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<Row[]>;
}

export class BenchContext {
  private readonly pool: Child[] = [];
  private readonly servers = new Set<Endpoint>();
  /** CPU use of the machine and of the bench's own processes, per scenario. */
  readonly load = new LoadMonitor(() => [
    ...this.pool.map((g) => g.proc.pid ?? 0),
    ...[...this.servers].map((s) => s.child.proc.pid ?? 0),
  ]);

  constructor(
    readonly quick: boolean,
    readonly cpuProfDir: string | undefined,
    private readonly onLog: (line: string) => void,
  ) {}

  log(line: string): void {
    this.onLog(line);
  }

  /** `n` load generator processes (started on first use, reused by later scenarios). */
  async generators(n: number): Promise<Child[]> {
    while (this.pool.length < n) {
      const { child } = await Child.start('./generator.ts', { label: `generator ${this.pool.length + 1}` });
      this.pool.push(child);
    }
    return this.pool.slice(0, n);
  }

  async gitpad(opts: GitpadOptions = {}): Promise<GitpadEndpoint> {
    const ep = await startGitpad(opts);
    this.servers.add(ep);
    const stop = ep.stop.bind(ep);
    ep.stop = async () => {
      this.servers.delete(ep);
      await stop();
    };
    return ep;
  }

  async floor(): Promise<Endpoint> {
    return this.track(await startFloor());
  }

  /** A peer server (issue 17): Hocuspocus, y-websocket or stock ShareDB. */
  async peer(system: Exclude<SystemName, 'gitpad'>): Promise<Endpoint> {
    return this.track(await startPeer(system));
  }

  private track(ep: Endpoint): Endpoint {
    this.servers.add(ep);
    const stop = ep.stop.bind(ep);
    ep.stop = async () => {
      this.servers.delete(ep);
      await stop();
    };
    return ep;
  }

  /**
   * Runs `fn` with the real server's CPU profiler on when profiling was asked for (`--profile`),
   * writing `<dir>/<label>.cpuprofile`; the floor is never profiled.
   */
  async profiled<T>(ep: Endpoint, label: string, fn: () => Promise<T>): Promise<T> {
    if (!this.cpuProfDir || ep.kind !== 'gitpad') return fn();
    await ep.child.call('profileStart');
    try {
      return await fn();
    } finally {
      const file = path.join(this.cpuProfDir, `${label.replace(/[^\w.-]+/g, '_')}.cpuprofile`);
      await ep.child.call('profileStop', { file });
      this.log(`  profile: ${file}`);
    }
  }

  /** After each scenario: drop every generator's clients and stop any server left running. */
  async cleanup(): Promise<void> {
    for (const g of this.pool) {
      for (const m of ['typists.close', 'writers.close', 'idle.close'])
        await g.call(m).catch(() => undefined);
    }
    for (const s of [...this.servers]) await s.stop().catch(() => s.child.kill());
  }

  async close(): Promise<void> {
    await this.cleanup();
    await Promise.all(this.pool.map((g) => g.stop(5000)));
  }
}

/** Generator CPU between two readings, as cores in use (1 = one core busy). */
export function generatorCores(
  before: Array<{ cpuUs: number; wallMs: number }>,
  after: Array<{ cpuUs: number; wallMs: number }>,
): number {
  let cores = 0;
  before.forEach((b, i) => {
    const a = after[i]!;
    cores += (a.cpuUs - b.cpuUs) / 1000 / Math.max(1, a.wallMs - b.wallMs);
  });
  return cores;
}
