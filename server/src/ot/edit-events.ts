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

export class EditEvents {
  private readonly listeners = new Set<(e: EditEvent) => void>();

  /** Calls `listener` for every user's text edit that reached the database; returns its removal. */
  on(listener: (e: EditEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reports each user's file edit once it is written (ShareDB's `afterWrite`). */
  install(backend: Pick<ShareDB, 'use'>): void {
    backend.use('afterWrite', (ctx, next) => {
      const ops = (ctx.op as { op?: unknown }).op;
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
