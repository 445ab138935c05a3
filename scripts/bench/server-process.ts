/**
 * The Gitpad server under test, in its own process (forked by the bench runner with an IPC
 * channel). Configured from the environment like `npm run serve` (the runner sets temp
 * DATA_DIR/REPOS_DIR and LOG_LEVEL=silent), with rate limits lifted so that the load generators,
 * not the limiter, decide the load. Answers the runner's `stats` requests with its own CPU time,
 * memory and submit-retry count; profiles itself between `profileStart` and `profileStop` (V8's
 * sampling profiler through node:inspector, so a profile covers one measured window, not the
 * start-up); and shuts down cleanly on `shutdown`.
 */
import fs from 'node:fs';
import inspector from 'node:inspector';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../../server/src/config/index.js';
import { createServer } from '../../server/src/server.js';
import { processStats, type ServerStats, serveIpc } from './ipc.js';

const config = loadConfig({ ...process.env, HOST: '127.0.0.1' });
const unlimited = { perSecond: 1e9, burst: 1e9 };
const server = await createServer(config, {
  rateLimits: { auth: unlimited, ops: unlimited, chat: unlimited },
  loginThrottle: { freeFailures: Number.POSITIVE_INFINITY, perIp: { perSecond: 0, burst: 0 } },
});

// Retries are counted where ShareDB finishes a submit: every request carries its retry count.
let submits = 0;
let retries = 0;
server.services.backend.on('submitRequestEnd', (_err: unknown, request: { retries?: number }) => {
  submits++;
  retries += request.retries ?? 0;
});

const { port } = await server.listen();

// How long the event loop was stuck, between two `stats` calls: stalls show up as latency spikes.
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();

function stats(): ServerStats {
  const loopDelay = {
    p50: loop.percentile(50) / 1e6,
    p99: loop.percentile(99) / 1e6,
    max: loop.max / 1e6,
  };
  loop.reset();
  return { ...processStats(submits, retries), loopDelay };
}

let profiler: inspector.Session | null = null;
const post = (method: string, params: object = {}) =>
  new Promise<any>((resolve, reject) =>
    profiler!.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
  );

serveIpc({
  stats,
  profileStart: async () => {
    profiler = new inspector.Session();
    profiler.connect();
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 200 });
    await post('Profiler.start');
    return null;
  },
  profileStop: async ({ file }: { file: string }) => {
    if (!profiler) return null;
    const { profile } = await post('Profiler.stop');
    profiler.disconnect();
    profiler = null;
    fs.writeFileSync(file, JSON.stringify(profile));
    return { file };
  },
  gc: () => {
    // Two passes: the first can leave weak/finalizable objects for the second.
    globalThis.gc?.();
    globalThis.gc?.();
    return stats();
  },
  shutdown: async () => {
    await server.close();
    setImmediate(() => process.exit(0));
    return null;
  },
});
process.send?.({ type: 'listening', port });
