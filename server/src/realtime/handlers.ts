/**
 * One way to handle a socket event: validate the payload with a schema, run the handler, and
 * answer through the ack as `{ok: true, ...}` or `{ok: false, error}`. Errors never escape to
 * socket.io; unknown ones are logged and answered generically.
 */
import type { Socket } from 'socket.io';
import type { z } from 'zod';
import { AppError, toErrorBody } from '../errors/app-error.js';
import { parseWith } from '../errors/validation.js';
import type { Logger } from '../log.js';
import { EVENTS } from '../protocol/events.js';

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
      reply?.({ ok: true, ...(result ?? {}) });
    } catch (err) {
      if (!(err instanceof AppError))
        logger.error(`socket event ${event} failed`, { err, user: socket.data.userId });
      const error = toErrorBody(err);
      if (reply) reply({ ok: false, error });
      else socket.emit(EVENTS.protocolError, { ...error, event });
    }
  });
}
