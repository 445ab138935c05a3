/**
 * Security headers on every response Koa sends (API, git, the client's files). Everything but the
 * client's page gets a policy that allows nothing, so a JSON answer or an SVG opened directly can
 * never run script; the page itself (static-client.ts) gets `clientPolicy`, which fits the built
 * client: its own scripts and stylesheets, CodeMirror's `<style>` elements by nonce, the socket to
 * the same origin, the data: favicon. No page of ours may be framed (clickjacking).
 */
import crypto from 'node:crypto';
import type { Middleware } from 'koa';

/** Nothing may load, nothing may frame it: for every response that is not the client's page. */
const NOTHING = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * The client page's policy. `nonce` is fresh per page load; the same value is written into the
 * page (`<meta property="csp-nonce">`, from Vite's `html.cspNonce`), where the editor reads it
 * for the stylesheets CodeMirror injects. Vue and CodeMirror set inline styles through the CSSOM
 * (`el.style.x = …`), which CSP does not govern, so no 'unsafe-inline' is needed.
 */
export function clientPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data: blob:",
    "font-src 'self'",
    // 'self' covers ws:/wss: to the same host and port in CSP 3 browsers.
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** A fresh nonce for one page load: 128 random bits, base64. */
export function newNonce(): string {
  return crypto.randomBytes(16).toString('base64');
}

/** HSTS lifetime when serving over TLS: 180 days, in seconds. */
const HSTS_MAX_AGE = 180 * 24 * 3600;

/**
 * Sets the headers before anything else runs, so errors, git answers (written to the raw
 * response) and 404s carry them too. `tls`: the server itself speaks https.
 */
export function securityHeaders(opts: { tls: boolean }): Middleware {
  return async (ctx, next) => {
    ctx.set('Content-Security-Policy', NOTHING);
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('X-Content-Type-Options', 'nosniff');
    // Invite links carry their token in the path: no page of ours tells anyone where it came from.
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    // Browsers ignore HSTS over plain http, and over https with a certificate they do not trust.
    if (opts.tls) ctx.set('Strict-Transport-Security', `max-age=${HSTS_MAX_AGE}`);
    await next();
  };
}
