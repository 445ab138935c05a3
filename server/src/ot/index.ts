/**
 * The server's ShareDB backend, put together: presence on, json0 with the presence transform
 * (registered with ShareDB on first use), one submit queue per document (submit-queue.ts), who may
 * read and edit what (document-access.ts), what an edit must be (op-validation.ts), and edit
 * events (edit-events.ts). Every cache and limiter belongs to the backend it was made for.
 */
import ShareDB from 'sharedb';
import type { AccessControl } from '../auth/access.js';
import type { Logger } from '../log/index.js';
import { chunkLargeTexts } from '../storage/embedded/chunked-text.js';
import type { ShareDBAdapter } from '../storage/types.js';
import type { ClientIds } from './client-ids.js';
import { installDocumentAccess } from './document-access.js';
import type { EditEvents } from './edit-events.js';
import { installOpValidation } from './op-validation.js';
import { installServerMeta } from './server-connection.js';
import { attachShareDBLogger } from './sharedb-logger.js';
import { type DocSeals, QueuedBackend, type SubmitObserver } from './submit-queue.js';
import { registerServerTextType } from './text-type.js';
import type { OpLimits } from './validate-op.js';

export type { EditEvent } from './edit-events.js';
export { serverConnection, submitAt } from './server-connection.js';
export type { DocSeals } from './submit-queue.js';

export interface BackendOptions {
  db: ShareDBAdapter;
  access: AccessControl;
  limits: OpLimits;
  logger: Logger;
  /** Issues and checks the ShareDB client ids (`src`) of user connections. */
  clientIds: ClientIds;
  /** Edits per second per user, with a burst; 0 disables. */
  opRate: { perSecond: number; burst: number };
  /** A ShareDB pubsub (Redis when several processes share a store); in-memory by default. */
  pubsub?: unknown;
  /**
   * Keep large texts chunked in server snapshots (embedded store only: see
   * storage/embedded/chunked-text.ts).
   */
  chunkLargeText: boolean;
}

/** The server's ShareDB backend. */
export type GitpadBackend = ShareDB & DocSeals & { readonly edits: EditEvents };

export function createBackend(options: BackendOptions): GitpadBackend {
  // ShareDB keeps one registry of OT types per process; registering ours is idempotent.
  registerServerTextType(ShareDB.types as unknown as Parameters<typeof registerServerTextType>[0]);
  const backend = new QueuedBackend({
    db: options.db,
    presence: true,
    doNotForwardSendPresenceErrorsToClient: true,
    maxSubmitRetries: 50,
    // biome-ignore lint/suspicious/noExplicitAny: pubsub adapters are untyped
    ...(options.pubsub ? { pubsub: options.pubsub as any } : {}),
  });
  backend.onClose(attachShareDBLogger(options.logger));
  // Middleware runs in the order it is installed: who may, then what, then what happened.
  installServerMeta(backend);
  installDocumentAccess(backend, {
    access: options.access,
    clientIds: options.clientIds,
    maxFileChars: options.limits.maxFileChars,
  });
  if (options.chunkLargeText) chunkLargeTexts(backend);
  installOpValidation(backend, { limits: options.limits, opRate: options.opRate });
  backend.edits.install(backend);
  return backend as unknown as GitpadBackend;
}

/** Calls `observer` as each submit to `backend` (made by createBackend) is answered. */
export function observeSubmits(backend: ShareDB, observer: SubmitObserver): void {
  (backend as unknown as QueuedBackend).submitObserver = observer;
}
