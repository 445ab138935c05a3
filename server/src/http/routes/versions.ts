/** Versions: history, save, a version's files, diffs, revert, tags and comments (git underneath). */
import Router from '@koa/router';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.js';
import { parseWith } from '../../errors/validation.js';
import { formatPatch } from '../../git/index.js';
import type { Services } from '../../services.js';
import type { Actor } from '../../versions/service.js';
import { type AuthState, authenticate, requireSession } from '../authenticate.js';

const SHA = z.string().min(4).max(64);
const historySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: SHA.optional(),
  /** `named`: saves, reverts, imports, pushes and tagged versions only (the "Named only" filter). */
  filter: z.enum(['all', 'named']).default('all'),
});
const saveSchema = z.object({ message: z.string().max(10_000).optional() });
const commentSchema = z.object({
  body: z.string(),
  path: z.string().optional(),
  line: z.number().int().positive().optional(),
  parentId: z.string().max(64).optional(),
});

export function versionRoutes(services: Services): Router<AuthState> {
  const { versions } = services;
  const router = new Router<AuthState>({ prefix: '/api/sessions/:sessionId' });
  router.use(authenticate(services));
  const read = requireSession(services, 'session.read');
  const write = requireSession(services, 'session.write');
  const comment = requireSession(services, 'session.comment');
  const actor = (ctx: { state: AuthState }): Actor => {
    const u = ctx.state.auth.user;
    return {
      id: u.id,
      username: u.username,
      displayName: u.displayName,
      gitName: u.gitName,
      gitEmail: u.gitEmail,
    };
  };

  router.get('/versions', read, async (ctx) => {
    const { limit, before, filter } = parseWith(historySchema, ctx.query);
    ctx.body = await versions.history(ctx.params.sessionId!, {
      limit,
      named: filter === 'named',
      ...(before ? { before } : {}),
    });
  });

  router.post('/versions', write, async (ctx) => {
    const { message } = parseWith(saveSchema, ctx.request.body);
    const result = await services.worker.commitNow(ctx.params.sessionId!, {
      actorId: ctx.state.auth.user.id,
      kind: 'save',
      ...(message?.trim() ? { message } : {}),
    });
    if (result.unchanged && message?.trim() && result.sha) {
      // Nothing new since the latest version: when that is an autosave, the name goes on it.
      const named = await versions.nameVersion(ctx.params.sessionId!, result.sha, message);
      ctx.status = 200;
      ctx.body = named ? { sha: result.sha, named: true } : { sha: result.sha, unchanged: true };
    } else if (result.unchanged) {
      ctx.status = 200;
      ctx.body = { sha: result.sha, unchanged: true };
    } else {
      ctx.status = 201;
      ctx.body = { sha: result.sha };
    }
  });

  router.get('/versions/:sha', read, async (ctx) => {
    ctx.body = await versions.version(ctx.params.sessionId!, ctx.params.sha!);
  });

  router.get('/versions/:sha/files/*path', read, async (ctx) => {
    const path = (ctx.params as Record<string, string | string[]>).path;
    const file = await versions.fileInVersion(
      ctx.params.sessionId!,
      ctx.params.sha!,
      Array.isArray(path) ? path.join('/') : (path ?? ''),
    );
    if ('bytes' in file) {
      // A binary file: its bytes as they are, never sniffed into something a browser runs.
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.set('Content-Security-Policy', "sandbox; default-src 'none'");
      ctx.type = 'application/octet-stream';
      ctx.body = file.bytes;
      return;
    }
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = file.content;
  });

  router.get('/versions/:sha/diff', read, async (ctx) => {
    const { base } = parseWith(z.object({ base: SHA.optional() }), ctx.query);
    const files = await versions.diff(ctx.params.sessionId!, ctx.params.sha!, base);
    if (ctx.accepts('text/x-diff', 'application/json') === 'application/json') {
      ctx.body = { files };
    } else {
      // A patch cannot say "not shown": one with a file left out would apply wrongly.
      const omitted = files.find((f) => f.tooLarge);
      if (omitted) {
        throw new AppError(
          'ERR_DIFF_TOO_LARGE',
          `This diff is too large to send as a patch (more than ${services.config.diffMaxLines} lines, ` +
            `from ${omitted.path} on). Clone the session and run git diff.`,
        );
      }
      ctx.type = 'text/x-diff; charset=utf-8';
      ctx.body = formatPatch(files);
    }
  });

  router.post('/revert', write, async (ctx) => {
    const { sha } = parseWith(z.object({ sha: SHA }), ctx.request.body);
    const result = await versions.revert(ctx.params.sessionId!, sha, actor(ctx));
    ctx.status = result.unchanged ? 200 : 201;
    ctx.body = result.unchanged
      ? { sha: result.sha, unchanged: true, differs: result.differs }
      : { sha: result.sha, differs: result.differs };
  });

  router.post('/versions/:sha/tags', write, async (ctx) => {
    const { name, message } = parseWith(
      z.object({ name: z.string().max(200), message: z.string().max(10_000).optional() }),
      ctx.request.body,
    );
    ctx.status = 201;
    ctx.body = await versions.tag(ctx.params.sessionId!, ctx.params.sha!, name, actor(ctx), message);
  });

  router.get('/versions/:sha/comments', read, async (ctx) => {
    ctx.body = { comments: await versions.comments(ctx.params.sessionId!, ctx.params.sha!) };
  });

  router.post('/versions/:sha/comments', comment, async (ctx) => {
    const input = parseWith(commentSchema, ctx.request.body);
    const comment = await versions.addComment(ctx.params.sessionId!, ctx.params.sha!, actor(ctx), input);
    await services.mentions.mention(
      ctx.params.sessionId!,
      actor(ctx),
      'comment',
      ctx.params.sha!,
      input.body,
    );
    ctx.status = 201;
    ctx.body = comment;
  });

  router.patch('/versions/:sha/comments/:commentId', comment, async (ctx) => {
    const { body } = parseWith(z.object({ body: z.string() }), ctx.request.body);
    ctx.body = await versions.editComment(
      ctx.params.sessionId!,
      ctx.params.sha!,
      ctx.params.commentId!,
      actor(ctx),
      body,
    );
  });

  router.delete('/versions/:sha/comments/:commentId', comment, async (ctx) => {
    await versions.deleteComment(ctx.params.sessionId!, ctx.params.sha!, ctx.params.commentId!, actor(ctx));
    ctx.status = 204;
  });

  router.post('/versions/:sha/comments/:commentId/resolve', comment, async (ctx) => {
    const { resolved } = parseWith(z.object({ resolved: z.boolean().default(true) }), ctx.request.body);
    ctx.body = await versions.resolveThread(
      ctx.params.sessionId!,
      ctx.params.sha!,
      ctx.params.commentId!,
      actor(ctx),
      resolved,
    );
  });

  return router;
}
