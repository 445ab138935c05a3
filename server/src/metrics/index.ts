/**
 * What `GET /metrics` reports, in Prometheus' text format (issue 16). One `Metrics` per server,
 * each with its own prom-client Registry (never the global default), so two servers in one test
 * process keep separate counts. Counters and histograms are fed where the work happens; gauges of
 * live state are read from `watch`ed sources when scraped, costing nothing between scrapes.
 *
 * prom-client's process and Node.js metrics (event-loop lag, memory, GC) describe the process,
 * not a server, and their collectors (an event-loop delay monitor, a GC observer) run until the
 * process ends: they live in one registry per process, started by the first server that serves
 * metrics and merged into each scrape.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Live state read at scrape time; installed once the parts that hold it exist. */
export interface MetricSources {
  /** socket.io connections open on this process. */
  sockets(): number;
  /** Sessions with someone in them, the distinct people in them, and who typed in the last seconds. */
  presence(): { sessions: number; users: number; typing: number };
  /** When the oldest edit not yet in a git commit arrived (epoch ms), or undefined when all are. */
  oldestUncommittedAt(): number | undefined;
}

/** Latency buckets (seconds) from a fraction of a millisecond (an op) to seconds (a slow commit). */
const FAST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Git transfers and commits: tens of milliseconds to a minute. */
const SLOW_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export class Metrics {
  readonly registry = new Registry();
  private sources: MetricSources | undefined;

  /** Ops committed to the store (edits, creates, deletes): `rate()` of it is ops/s. */
  readonly ops = new Counter({
    name: 'gitpad_ops_total',
    help: 'Ops committed to the store, by collection (files: text edits; sessions: file tree changes)',
    labelNames: ['collection'] as const,
    registers: [this.registry],
  });
  /** A user's op from its arrival at the server (queue wait included) to its acknowledgement. */
  readonly opLatency = new Histogram({
    name: 'gitpad_op_latency_seconds',
    help: 'Time from receiving a user op to acknowledging it (queueing, transform, checks, store write), seconds',
    buckets: FAST_BUCKETS,
    registers: [this.registry],
  });
  readonly transforms = new Counter({
    name: 'gitpad_op_transforms_total',
    help: 'Concurrent ops an incoming op was transformed through before it was applied',
    registers: [this.registry],
  });
  readonly rejectedOps = new Counter({
    name: 'gitpad_ops_rejected_total',
    help: 'User ops refused, by error code (ERR_FORBIDDEN, ERR_RATE_LIMITED, ERR_VALIDATION, ...)',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  /** The store's commit of one op and its snapshot (the write every edit waits for). */
  readonly storeWrite = new Histogram({
    name: 'gitpad_store_write_seconds',
    help: 'Time the store takes to write one op and its snapshot, seconds',
    buckets: FAST_BUCKETS,
    registers: [this.registry],
  });
  readonly commitDuration = new Histogram({
    name: 'gitpad_git_commit_duration_seconds',
    help: 'Time to snapshot a session into a git commit, by outcome (committed, unchanged, failed), seconds',
    labelNames: ['outcome'] as const,
    buckets: SLOW_BUCKETS,
    registers: [this.registry],
  });
  /** Git over HTTP; a clone or fetch is one `upload-pack` pack request after its `refs` request. */
  readonly gitRequests = new Counter({
    name: 'gitpad_git_requests_total',
    help: 'Git HTTP requests, by service (upload-pack: clone/fetch, receive-pack: push) and HTTP status',
    labelNames: ['service', 'phase', 'status'] as const,
    registers: [this.registry],
  });
  readonly gitDuration = new Histogram({
    name: 'gitpad_git_request_duration_seconds',
    help: 'Time to serve a git HTTP request (refs advertisement or pack transfer), seconds',
    labelNames: ['service', 'phase'] as const,
    buckets: SLOW_BUCKETS,
    registers: [this.registry],
  });

  /** `processMetrics`: also report the process's own metrics (off when nobody can scrape them). */
  constructor(options: { processMetrics: boolean }) {
    const read = <T>(f: (s: MetricSources) => T, fallback: T) => (this.sources ? f(this.sources) : fallback);
    new Gauge({
      name: 'gitpad_connected_sockets',
      help: 'socket.io connections (browser tabs, scripts) open on this process',
      registers: [this.registry],
      collect() {
        this.set(read((s) => s.sockets(), 0));
      },
    });
    new Gauge({
      name: 'gitpad_active_sessions',
      help: 'Sessions someone has open on this process',
      registers: [this.registry],
      collect() {
        this.set(read((s) => s.presence().sessions, 0));
      },
    });
    new Gauge({
      name: 'gitpad_session_users',
      help: 'People in open sessions (one person in two sessions counts twice)',
      registers: [this.registry],
      collect() {
        this.set(read((s) => s.presence().users, 0));
      },
    });
    new Gauge({
      name: 'gitpad_active_editors',
      help: 'People who typed in the last few seconds, per session summed',
      registers: [this.registry],
      collect() {
        this.set(read((s) => s.presence().typing, 0));
      },
    });
    new Gauge({
      name: 'gitpad_commit_lag_seconds',
      help: 'Age of the oldest edit not yet in a git commit (0 when everything is committed), seconds',
      registers: [this.registry],
      collect() {
        const since = read((s) => s.oldestUncommittedAt(), undefined);
        this.set(since === undefined ? 0 : Math.max(0, (Date.now() - since) / 1000));
      },
    });
    if (options.processMetrics) this.process = processRegistry();
  }

  /** The process-wide registry, when this server reports it. */
  private readonly process: Registry | undefined;

  /** Connects the gauges to the live state they report. */
  watch(sources: MetricSources): void {
    this.sources = sources;
  }

  /** The exposition text and its content type, for one scrape. */
  async scrape(): Promise<{ body: string; contentType: string }> {
    const registry = this.process ? Registry.merge([this.process, this.registry]) : this.registry;
    return { body: await registry.metrics(), contentType: this.registry.contentType };
  }
}

let processWide: Registry | undefined;

/** Event-loop lag, memory, CPU, GC, handles: started once per process, on first use. */
function processRegistry(): Registry {
  if (!processWide) {
    processWide = new Registry();
    collectDefaultMetrics({ register: processWide });
  }
  return processWide;
}

/** Seconds since `start` (a `performance.now()` reading). */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}
