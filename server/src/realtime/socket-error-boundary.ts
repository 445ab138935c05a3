/**
 * How every socket listener runs. `onEvent` validates a payload with a schema, runs the handler,
 * and answers through the ack as `{ok: true, ...}` or `{ok: false, error}`; `guarded` wraps a
 * plain listener. Either way nothing thrown escapes to socket.io (which calls listeners from a
 * bare `process.nextTick`, where a throw would end the process): a handler's error is answered
 * (unexpected ones logged, as ERR_INTERNAL), and a throw from a plain listener or from sending a
 * reply closes the one connection it came from (issue 19).
 */
import type { Socket } from 'socket.io';
import type { z } from 'zod';
import { AppError, toErrorBody } from '../errors/app-error.js';
import { parseWith } from '../errors/validation.js';
import type { Logger } from '../log/index.js';
import type { ErrorBody } from '../protocol/errors.js';
import { EVENTS } from '../protocol/events.js';

/** Closes the connection an unexpected error came from; the process and everyone else go on. */
export function closeOnError(socket: Socket, logger: Logger, what: string, err: unknown): void {
  logger.error(`${what} failed; closing that connection`, { err, user: socket.data.userId });
  try {
    socket.disconnect(true);
  } catch (closeErr) {
    logger.error('closing a failed connection failed too', { err: closeErr });
  }
}

/** `listener`, made unable to throw into socket.io. */
export function guarded<A extends unknown[]>(
  socket: Socket,
  logger: Logger,
  what: string,
  listener: (...args: A) => void,
): (...args: A) => void {
  return (...args: A) => {
    try {
      listener(...args);
    } catch (err) {
      closeOnError(socket, logger, what, err);
    }
  };
}

/**
 * Answers a request: through its ack when it has one, else as `error:protocol`. Sending encodes
 * the reply, so a failure there closes the connection rather than throwing.
 */
export function answer(
  socket: Socket,
  logger: Logger,
  event: string,
  ack: ((reply: unknown) => void) | undefined,
  reply: { ok: true } | { ok: false; error: ErrorBody },
): void {
  try {
    if (ack) ack(reply);
    else if (!reply.ok) socket.emit(EVENTS.protocolError, { ...reply.error, event });
  } catch (err) {
    closeOnError(socket, logger, `replying to ${event}`, err);
  }
}

export function onEvent<S extends z.ZodType>(
  socket: Socket,
  logger: Logger,
  event: string,
  schema: S,
  handler: (payload: z.infer<S>) => Promise<object | undefined> | object | undefined,
): void {
  socket.on(event, async (payload: unknown, ack?: unknown) => {
    const reply = typeof ack === 'function' ? (ack as (r: unknown) => void) : undefined;
    try {
      const result = await handler(parseWith(schema, payload));
      answer(socket, logger, event, reply, { ok: true, ...(result ?? {}) });
    } catch (err) {
      if (!(err instanceof AppError))
        logger.error(`socket event ${event} failed`, { err, user: socket.data.userId });
      answer(socket, logger, event, reply, { ok: false, error: toErrorBody(err) });
    }
  });
}
