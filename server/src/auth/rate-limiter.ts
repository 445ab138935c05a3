/**
 * Token-bucket rate limits keyed by user or IP. In memory: limits are per server process, which
 * is what a LAN deployment runs. Old idle buckets are swept so keys cannot grow without bound.
 */
import { AppError } from '../errors/app-error.js';

export interface RateLimit {
  /** Tokens refilled per second. */
  perSecond: number;
  /** Bucket size: how many actions may come at once. */
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep = Date.now();

  constructor(
    private readonly limit: RateLimit,
    private readonly what: string,
  ) {}

  /** Takes `cost` tokens for `key`; false when the bucket is empty. */
  tryTake(key: string, cost = 1, now = Date.now()): boolean {
    if (this.limit.perSecond <= 0) return true;
    const b = this.refill(key, now);
    if (b.tokens < cost) return false;
    b.tokens -= cost;
    return true;
  }

  private refill(key: string, now: number): Bucket {
    this.sweep(now);
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.limit.burst, at: now };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.limit.burst, b.tokens + ((now - b.at) / 1000) * this.limit.perSecond);
      b.at = now;
    }
    return b;
  }

  /** Like tryTake, but throws ERR_RATE_LIMITED, whose `details.retryAfterSeconds` says when cost is back. */
  take(key: string, cost = 1): void {
    const now = Date.now();
    if (!this.tryTake(key, cost, now)) {
      const missing = cost - (this.buckets.get(key)?.tokens ?? 0);
      const retryAfterSeconds = Math.max(1, Math.ceil(missing / this.limit.perSecond));
      throw new AppError('ERR_RATE_LIMITED', `Too many ${this.what}. Please wait a moment and try again.`, {
        retryAfterSeconds,
      });
    }
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    const full = (this.limit.burst / this.limit.perSecond) * 1000;
    for (const [key, b] of this.buckets) if (now - b.at > full) this.buckets.delete(key);
  }
}
