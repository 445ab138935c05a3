/** Search and replace across a session's files (issue 15); the work is in search/service.ts. */
import Router from '@koa/router';
import { z } from 'zod';
import { parseWith } from '../../errors/validation.js';
import { MAX_QUERY_CHARS, MAX_REPLACEMENT_CHARS } from '../../protocol/search.js';
import type { Services } from '../../services.js';
import { type AuthState, authenticate, requireSession } from '../authenticate.js';

/** A query-string flag: `1`/`true` on, `0`/`false`/absent off. */
const flag = z
  .enum(['1', '0', 'true', 'false'])
  .optional()
  .transform((v) => v === '1' || v === 'true');
const q = z.string().min(1, 'type something to search for').max(MAX_QUERY_CHARS);
const searchSchema = z.object({ q, regex: flag, case: flag, word: flag });
const replaceSchema = z.object({
  q,
  regex: z.boolean().default(false),
  case: z.boolean().default(false),
  word: z.boolean().default(false),
  replacement: z.string().max(MAX_REPLACEMENT_CHARS),
  paths: z.array(z.string().max(4096)).max(10_000).optional(),
});

export function searchRoutes(services: Services): Router<AuthState> {
  const { search } = services;
  const router = new Router<AuthState>({ prefix: '/api/sessions/:sessionId' });
  router.use(authenticate(services));
  const read = requireSession(services, 'session.read');
  const write = requireSession(services, 'session.write');

  router.get('/search', read, async (ctx) => {
    const query = parseWith(searchSchema, ctx.query);
    ctx.body = await search.search(ctx.params.sessionId!, query);
  });

  router.post('/replace', write, async (ctx) => {
    const { replacement, paths, ...query } = parseWith(replaceSchema, ctx.request.body);
    const u = ctx.state.auth.user;
    ctx.body = await search.replace(ctx.params.sessionId!, query, replacement, paths, {
      id: u.id,
      username: u.username,
      displayName: u.displayName,
    });
  });

  return router;
}
