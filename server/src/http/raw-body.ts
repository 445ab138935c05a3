/**
 * Raw request bodies (a binary upload, an import zip), read with a size cap. The JSON body parser
 * (json-body.ts) leaves these media types alone; a route that takes one reads it here.
 */
import type { Context } from 'koa';
import { AppError } from '../errors/app-error.js';

/** Media types sent as raw bytes, never parsed as JSON. */
export const RAW_TYPES = ['application/octet-stream', 'application/zip', 'application/x-git-bundle'];

/**
 * The whole body, at most `maxBytes` (ERR_TOO_LARGE past it, told by Content-Length up front or
 * counted as it arrives). `type` must be the body's media type, else ERR_UNSUPPORTED_MEDIA_TYPE.
 */
export async function readRawBody(
  ctx: Context,
  type: string,
  maxBytes: number,
  what: string,
): Promise<Buffer> {
  if (!ctx.is(type)) throw new AppError('ERR_UNSUPPORTED_MEDIA_TYPE', `Send ${what} as ${type}.`);
  const tooLarge = () =>
    new AppError(
      'ERR_TOO_LARGE',
      `${what[0]!.toUpperCase()}${what.slice(1)} may be at most ${maxBytes} bytes.`,
      {
        maxBytes,
      },
    );
  const length = Number(ctx.get('content-length') || '0');
  if (length > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      ctx.req.destroy();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
