/**
 * Login throttling that slows a guesser without locking out the account's owner (issue 19).
 *
 * - Per (IP, username) pair: the first `freeFailures` failures cost nothing; after that each
 *   further attempt must wait `baseDelayMs`, then twice that, and so on up to `maxDelayMs`. A
 *   success resets the pair. The owner logging in from another machine is a different pair, so
 *   an attacker's failures never lock them out.
 * - Per IP, a looser ceiling on failures across all usernames (a token bucket), against spraying
 *   many names from one machine. Behind one reverse proxy every LAN user shares an IP, hence loose.
 *
 * For its pair, an attempt counts as a failure from the moment it starts and is forgiven when it
 * succeeds, so a burst of parallel guesses at one account cannot all slip in before the first one
 * fails. The per-IP ceiling counts failures only, when they happen, so a class of people behind
 * one proxy logging in at the same moment is never refused for being many. In memory, per
 * process (what a LAN deployment runs); idle entries are forgotten and the table is capped.
 */
import { AppError } from '../errors/app-error.js';
import type { RateLimit } from './rate-limiter.js';

export interface LoginThrottleLimits {
  /** Failures of one (IP, username) pair allowed before backoff starts. */
  freeFailures: number;
  /** The wait after the first failure past the free ones, ms; doubles with each further one. */
  baseDelayMs: number;
  /** The longest wait, ms. */
  maxDelayMs: number;
  /** Failures from one IP across all usernames; perSecond 0 turns the ceiling off. */
  perIp: RateLimit;
}

/** Pairs remembered at most; past it the longest-idle are forgotten (an IP's ceiling bounds churn). */
const MAX_PAIRS = 100_000;
/** A pair idle this long past its wait is forgotten. */
const FORGET_MS = 60 * 60_000;

interface Pair {
  failures: number;
  /** No attempt before this instant (ms). */
  nextAt: number;
  lastAt: number;
}

interface IpBucket {
  tokens: number;
  at: number;
}

/** An attempt let through: report how it went. */
export interface LoginAttempt {
  /** The credentials were right: forgive this attempt and the pair's earlier failures. */
  succeeded(): void;
  /** The credentials were wrong: also counts against the IP's ceiling. */
  failed(): void;
}

export type LoginGate = { ok: true; attempt: LoginAttempt } | { ok: false; retryAfterMs: number };

export class LoginThrottle {
  private readonly pairs = new Map<string, Pair>();
  private readonly ips = new Map<string, IpBucket>();
  private lastSweep = Date.now();

  /** `limits` come from the config (LOGIN_* variables; config/index.ts has the defaults). */
  constructor(private readonly limits: LoginThrottleLimits) {}

  /** Lets an attempt through, or says how long to wait. */
  begin(ip: string, username: string, now = Date.now()): LoginGate {
    this.sweep(now);
    const { freeFailures, baseDelayMs, maxDelayMs, perIp } = this.limits;
    const key = `${ip}\u0000${username}`;
    const pair = this.pairs.get(key);
    if (pair && now < pair.nextAt) return { ok: false, retryAfterMs: pair.nextAt - now };
    const bucket = perIp.perSecond > 0 ? this.refill(ip, now) : null;
    if (bucket && bucket.tokens < 1)
      return { ok: false, retryAfterMs: ((1 - bucket.tokens) / perIp.perSecond) * 1000 };

    // Counted as a failure now; forgiven by succeeded().
    const p = pair ?? { failures: 0, nextAt: 0, lastAt: now };
    this.pairs.delete(key); // re-inserted last: the Map's order is least recently used first
    p.failures++;
    p.lastAt = now;
    const past = p.failures - freeFailures;
    p.nextAt = past > 0 ? now + Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(past - 1, 30)) : 0;
    this.pairs.set(key, p);
    if (this.pairs.size > MAX_PAIRS) this.pairs.delete(this.pairs.keys().next().value!);

    let settled = false;
    return {
      ok: true,
      attempt: {
        succeeded: () => {
          if (settled) return;
          settled = true;
          this.pairs.delete(key);
        },
        failed: () => {
          if (settled) return;
          settled = true;
          // Parallel failures may overdraw the bucket: the IP then waits for each of them.
          if (perIp.perSecond > 0) {
            const b = this.refill(ip, Date.now());
            b.tokens = Math.max(-perIp.burst, b.tokens - 1);
          }
        },
      },
    };
  }

  /** Like begin, but throws ERR_RATE_LIMITED (with `details.retryAfterSeconds`) when limited. */
  take(ip: string, username: string): LoginAttempt {
    const gate = this.begin(ip, username);
    if (!gate.ok) throw rateLimited(gate.retryAfterMs);
    return gate.attempt;
  }

  private refill(ip: string, now: number): IpBucket {
    const { perSecond, burst } = this.limits.perIp;
    let b = this.ips.get(ip);
    if (!b) {
      b = { tokens: burst, at: now };
      this.ips.set(ip, b);
    } else {
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
      b.at = now;
    }
    return b;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [key, p] of this.pairs)
      if (now - Math.max(p.lastAt, p.nextAt) > FORGET_MS) this.pairs.delete(key);
    const { perSecond, burst } = this.limits.perIp;
    const full = perSecond > 0 ? (burst / perSecond) * 1000 : 0;
    for (const [ip, b] of this.ips) if (now - b.at > full) this.ips.delete(ip);
  }
}

/** ERR_RATE_LIMITED saying when to come back; the REST boundary turns it into Retry-After. */
export function rateLimited(retryAfterMs: number): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new AppError('ERR_RATE_LIMITED', `Too many failed logins. Try again in ${retryAfterSeconds} s.`, {
    retryAfterSeconds,
  });
}
