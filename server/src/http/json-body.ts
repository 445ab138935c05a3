/**
 * JSON request bodies, read with a size cap. A body must be `application/json`; a bad one is
 * ERR_INVALID_JSON, an oversized one ERR_TOO_LARGE, and nothing reaches a handler half-parsed.
 */
import type { Middleware } from 'koa';
import { AppError } from '../errors/app-error.js';
import { breachMessage, breachOf } from '../protocol/message-bounds.js';
import { RAW_TYPES } from './raw-body.js';

export function jsonBody(maxBytes: number): Middleware {
  return async (ctx, next) => {
    if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(ctx.method)) return next();
    const length = Number(ctx.get('content-length') || '0');
    const chunked = /chunked/i.test(ctx.get('transfer-encoding'));
    if (length === 0 && !chunked) {
      ctx.request.body = {};
      return next();
    }
    // A binary upload or an import zip: the route reads the bytes itself (raw-body.ts).
    if (ctx.is(RAW_TYPES)) return next();
    if (!ctx.is('application/json')) {
      throw new AppError('ERR_UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json.');
    }
    if (length > maxBytes)
      throw new AppError('ERR_TOO_LARGE', `The request body is larger than ${maxBytes} bytes.`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        ctx.req.destroy();
        throw new AppError('ERR_TOO_LARGE', `The request body is larger than ${maxBytes} bytes.`);
      }
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      throw new AppError('ERR_INVALID_JSON', 'The request body is not valid JSON.');
    }
    // The same bounds as socket messages: no handler, validator or error reply walks a body
    // nested thousands deep.
    const breach = breachOf(body);
    if (breach)
      throw new AppError(breach === 'depth' ? 'ERR_VALIDATION' : 'ERR_TOO_LARGE', breachMessage(breach));
    ctx.request.body = body;
    return next();
  };
}

declare module 'koa' {
  interface Request {
    body?: unknown;
  }
}
