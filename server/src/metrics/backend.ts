/**
 * Feeds the op metrics from the ShareDB backend: latency and refusals of user ops as they are
 * answered, and, per committed op, the store write it waited for and the transforms it went
 * through. Registered after the access-control middleware, so the store-write clock starts once
 * every `commit` check has passed.
 */
import type ShareDB from 'sharedb';
import { identityOf } from '../ot/identity.js';
import { observeSubmits } from '../ot/index.js';
import type { Metrics } from './index.js';

/** Set on the submit request by the last `commit` middleware: when the store write began. */
const WRITE_STARTED = Symbol('storeWriteStarted');

interface SubmitRequestFields {
  collection: string;
  /** Ops committed meanwhile that this op was transformed through (ShareDB's SubmitRequest). */
  ops?: unknown[];
  [WRITE_STARTED]?: number;
}

export function instrumentBackend(backend: ShareDB, metrics: Metrics): void {
  observeSubmits(backend, (agent, ms, err) => {
    if (identityOf(agent as Parameters<typeof identityOf>[0]).kind !== 'user') return;
    if (err) {
      const code = (err as { code?: unknown }).code;
      metrics.rejectedOps.inc({ code: typeof code === 'string' ? code : 'ERR_INTERNAL' });
    } else metrics.opLatency.observe(ms / 1000);
  });
  backend.use('commit', (ctx, next) => {
    (ctx as unknown as SubmitRequestFields)[WRITE_STARTED] = performance.now();
    next();
  });
  backend.use('afterWrite', (ctx, next) => {
    const request = ctx as unknown as SubmitRequestFields;
    const started = request[WRITE_STARTED];
    if (started !== undefined) metrics.storeWrite.observe((performance.now() - started) / 1000);
    metrics.ops.inc({ collection: request.collection });
    if (request.ops?.length) metrics.transforms.inc(request.ops.length);
    next();
  });
}
