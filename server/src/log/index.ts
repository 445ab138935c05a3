/**
 * A small levelled logger writing one line per event to stderr: readable text, or one JSON object
 * per line (`LOG_FORMAT=json`) for a log shipper. Fields bound with `withLogFields` (the HTTP
 * request id) join every line logged while that work runs, whichever module logs it. Never log
 * secrets or passwords.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { LogFormat, LogLevel } from '../config/index.js';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(msg: string, ctx?: Record<string, unknown>): void;
  info(msg: string, ctx?: Record<string, unknown>): void;
  warn(msg: string, ctx?: Record<string, unknown>): void;
  error(msg: string, ctx?: Record<string, unknown>): void;
}

export interface LoggerOptions {
  format?: LogFormat;
  write?: (line: string) => void;
}

/** Fields of the work in progress (an HTTP request), carried across awaits and timers it starts. */
const bound = new AsyncLocalStorage<Record<string, unknown>>();

/** Runs `fn` with `fields` added to every line logged from it and from what it calls or schedules. */
export function withLogFields<T>(fields: Record<string, unknown>, fn: () => T): T {
  return bound.run({ ...bound.getStore(), ...fields }, fn);
}

/** Errors as plain objects: JSON.stringify would write them as `{}`. */
const errorsAsObjects = (_key: string, v: unknown) =>
  v instanceof Error ? { name: v.name, message: v.message, stack: v.stack } : v;

export function createLogger(level: LogLevel, options: LoggerOptions = {}): Logger {
  const min = ORDER[level];
  const write = options.write ?? ((l: string) => process.stderr.write(l));
  const json = options.format === 'json';
  const emit = (lvl: Exclude<LogLevel, 'silent'>, msg: string, ctx?: Record<string, unknown>) => {
    if (ORDER[lvl] < min) return;
    const fields = bound.getStore();
    const extra = fields ? { ...fields, ...ctx } : ctx;
    const time = new Date().toISOString();
    if (json) {
      // time, level and msg first, and never overwritten by a field of the same name.
      const entry: Record<string, unknown> = { time, level: lvl, msg };
      for (const key in extra) if (!(key in entry)) entry[key] = extra[key];
      write(`${JSON.stringify(entry, errorsAsObjects)}\n`);
      return;
    }
    const tail = extra && Object.keys(extra).length > 0 ? ` ${JSON.stringify(extra, errorsAsObjects)}` : '';
    write(`${time} ${lvl.toUpperCase().padEnd(5)} ${msg}${tail}\n`);
  };
  return {
    debug: (m, c) => emit('debug', m, c),
    info: (m, c) => emit('info', m, c),
    warn: (m, c) => emit('warn', m, c),
    error: (m, c) => emit('error', m, c),
  };
}
