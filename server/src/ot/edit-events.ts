/**
 * Edit events: every user's text edit that reached the database, for typing indicators, the
 * admin page's last activity and the commit worker's idle timer. Listeners subscribe after the
 * backend exists (`backend.edits.on`), so the services they call can be built after it.
 */
import type ShareDB from 'sharedb';
import { COLLECTION_FILES, sessionOfDoc } from '../protocol/doc-ids.js';
import { editedChars } from './authorship.js';
import { identityOf } from './identity.js';

/** A text edit that reached the database. */
export interface EditEvent {
  userId: string;
  sessionId: string;
  docId: string;
  /** Characters inserted plus deleted. */
  chars: number;
}

/** An op written to a file document, anyone's (the server's own too): its version before it applied. */
export type FileOpListener = (docId: string, v: number, op: unknown[]) => void;

export class EditEvents {
  private readonly listeners = new Set<(e: EditEvent) => void>();
  private readonly opListeners = new Set<FileOpListener>();

  /** Calls `listener` for every user's text edit that reached the database; returns its removal. */
  on(listener: (e: EditEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls `listener` for every op written to a file document; returns its removal. */
  onFileOp(listener: FileOpListener): () => void {
    this.opListeners.add(listener);
    return () => this.opListeners.delete(listener);
  }

  /** Reports each file op, and each user's file edit, once it is written (ShareDB's `afterWrite`). */
  install(backend: Pick<ShareDB, 'use'>): void {
    backend.use('afterWrite', (ctx, next) => {
      const ops = (ctx.op as { op?: unknown }).op;
      const v = (ctx.op as { v?: unknown }).v;
      if (this.opListeners.size > 0 && ctx.collection === COLLECTION_FILES && Array.isArray(ops)) {
        if (typeof v === 'number') for (const listener of this.opListeners) listener(ctx.id, v, ops);
      }
      if (this.listeners.size > 0 && ctx.collection === COLLECTION_FILES && Array.isArray(ops)) {
        const identity = identityOf(ctx.agent);
        const sessionId = identity.kind === 'user' ? sessionOfDoc(ctx.collection, ctx.id) : null;
        if (identity.kind === 'user' && sessionId) {
          const e = { userId: identity.user.id, sessionId, docId: ctx.id, chars: editedChars(ops) };
          for (const listener of this.listeners) listener(e);
        }
      }
      next();
    });
  }
}
