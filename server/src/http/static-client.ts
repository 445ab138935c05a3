/**
 * Serves the built browser client from `clientDir` with history-API fallback: any GET outside
 * /api, /git and /socket.io that is not a file gets index.html, so `/s/<id>` links work on reload.
 * Hashed assets are cached for a year; index.html never. Each page load gets a fresh CSP nonce,
 * written into the page in place of the build's placeholder and named in its policy.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Middleware } from 'koa';
import { CSP_NONCE_PLACEHOLDER } from '../protocol/csp.js';
import { clientPolicy, newNonce } from './security-headers.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

const RESERVED = /^\/(api|git|socket\.io)(\/|$)/;

export function staticClient(clientDir: string): Middleware {
  const root = path.resolve(clientDir);
  const index = path.join(root, 'index.html');
  return async (ctx, next) => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || RESERVED.test(ctx.path)) return next();
    let rel: string;
    try {
      rel = decodeURIComponent(ctx.path);
    } catch {
      return next();
    }
    const file = path.join(root, path.normalize(rel));
    // path.join normalizes "..": anything resolving outside root is not ours to serve.
    const inside = file === root || file.startsWith(root + path.sep);
    let target = inside ? file : undefined;
    if (target) {
      const stat = await fs.promises.stat(target).catch(() => undefined);
      if (!stat?.isFile()) target = undefined;
    }
    if (!target) {
      if (path.extname(rel) !== '' || !fs.existsSync(index)) return next();
      target = index;
    }
    ctx.type = TYPES[path.extname(target)] ?? 'application/octet-stream';
    ctx.set(
      'Cache-Control',
      target.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
    if (target === index) {
      const nonce = newNonce();
      const html = await fs.promises.readFile(target, 'utf8');
      ctx.set('Content-Security-Policy', clientPolicy(nonce));
      ctx.body = html.replaceAll(CSP_NONCE_PLACEHOLDER, nonce);
      return;
    }
    ctx.body = fs.createReadStream(target);
  };
}
