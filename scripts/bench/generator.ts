/**
 * A load generator process: forked by the bench runner, it runs clients against the server under
 * test (which lives in another process) when the runner calls its methods over IPC. Several of
 * these share a big crowd so that no one event loop is the bottleneck; each reports its own CPU
 * use so the runner can tell when the generators, not the server, were saturated.
 */
import { serveIpc } from './ipc.js';
import { coldOpenHandlers } from './load/cold-open.js';
import { editHandlers } from './load/edits.js';
import { idleHandlers } from './load/idle.js';
import { peerHandlers } from './load/peers.js';
import { replayConcurrent, replaySequential } from './load/trace.js';
import { typistHandlers } from './load/typists.js';
import { writerHandlers } from './load/writers.js';

serveIpc({
  'trace.sequential': replaySequential,
  'trace.concurrent': replayConcurrent,
  ...typistHandlers,
  ...writerHandlers,
  ...idleHandlers,
  ...coldOpenHandlers,
  ...editHandlers,
  ...peerHandlers,
  cpu: () => {
    const c = process.cpuUsage();
    return { cpuUs: c.user + c.system, wallMs: performance.now() };
  },
});
process.send?.({ type: 'ready' });
