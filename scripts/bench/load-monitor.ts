/**
 * How busy the machine was while a scenario ran, and how much of that was the bench itself (the
 * runner, the servers, the generators) — so a figure taken while something else was using the
 * CPU can be recognised. Linux only (/proc); elsewhere it reports nothing.
 */
import fs from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

function machineTicks(): { busy: number; total: number } | null {
  try {
    const cpu = fs
      .readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
    const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

function processTicks(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return null;
  }
}

export interface LoadReport {
  /** Cores busy on the whole machine, on average. */
  busyCores: number;
  /** Of which the bench's own processes. */
  benchCores: number;
  /** Everything else (other work on a shared machine). */
  otherCores: number;
  loadAverage: number;
}

export class LoadMonitor {
  private readonly last = new Map<number, number>();
  private own = 0;
  private start: { busy: number; total: number } | null = null;
  private startedAt = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly pids: () => number[]) {}

  begin(): void {
    this.start = machineTicks();
    this.startedAt = performance.now();
    this.own = 0;
    this.last.clear();
    this.sample();
    this.timer = setInterval(() => this.sample(), 500);
    this.timer.unref();
  }

  private sample(): void {
    for (const pid of [process.pid, ...this.pids()]) {
      const t = processTicks(pid);
      if (t === null) continue;
      const before = this.last.get(pid);
      if (before !== undefined) this.own += t - before;
      this.last.set(pid, t);
    }
  }

  end(): LoadReport | null {
    clearInterval(this.timer);
    this.sample();
    const end = machineTicks();
    if (!this.start || !end) return null;
    const wallMs = performance.now() - this.startedAt;
    const busyCores = ((end.busy - this.start.busy) * TICK_MS) / wallMs;
    const benchCores = (this.own * TICK_MS) / wallMs;
    return {
      busyCores,
      benchCores,
      otherCores: Math.max(0, busyCores - benchCores),
      loadAverage: fs.existsSync('/proc/loadavg')
        ? Number(fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0])
        : 0,
    };
  }
}
