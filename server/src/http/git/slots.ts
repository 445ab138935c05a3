/**
 * Slots for git transfers over HTTP: a cap on how many run at once on the server, and a smaller
 * one per account, so one account (or one script with its password) cannot take every slot and
 * lock everyone else out (issue 19). Every transfer takes a slot whatever its direction: fetches
 * today, pushes when receive-pack arrives, from one pool.
 */

/** Why a slot was refused: the server is full (503), or this account holds its share (429). */
export type SlotRefusal = 'server-busy' | 'user-busy';

/** A held slot; `release` is idempotent. */
export interface GitSlot {
  release(): void;
}

export interface SlotLimits {
  /** Transfers at once on this server. */
  total: number;
  /** Transfers at once for one account. */
  perUser: number;
}

export class GitSlots {
  private active = 0;
  /** userId → slots held; an account with none has no entry. */
  private readonly byUser = new Map<string, number>();

  constructor(private readonly limits: SlotLimits) {}

  /** Takes a slot for `userId`, or says why not. The server-wide cap is checked first. */
  acquire(userId: string): GitSlot | SlotRefusal {
    if (this.active >= this.limits.total) return 'server-busy';
    const held = this.byUser.get(userId) ?? 0;
    if (held >= this.limits.perUser) return 'user-busy';
    this.active++;
    this.byUser.set(userId, held + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.active--;
        const left = (this.byUser.get(userId) ?? 1) - 1;
        if (left > 0) this.byUser.set(userId, left);
        else this.byUser.delete(userId);
      },
    };
  }

  /** Transfers running now (for tests and logs). */
  get inUse(): number {
    return this.active;
  }
}
