/**
 * Comments on the live text of a session's files (comments/service.ts): threads on a range of a
 * file's current text that move with edits. Viewers read them; commenters and up write.
 */
import Router from '@koa/router';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.js';
import { parseWith } from '../../errors/validation.js';
import { FILE_ID_RE } from '../../protocol/doc-ids.js';
import type { Services } from '../../services.js';
import { type AuthState, authenticate, requireSession } from '../authenticate.js';

const offset = z.number().int().min(0);
const createSchema = z.object({
  anchor: z.object({ from: offset, to: offset }),
  /** The document version the client's offsets refer to. */
  v: z.number().int().min(0),
  body: z.string(),
});
const bodySchema = z.object({ body: z.string() });
const ID = /^[A-Za-z0-9-]{1,64}$/;

export function liveCommentRoutes(services: Services): Router<AuthState> {
  const router = new Router<AuthState>({ prefix: '/api/sessions/:sessionId' });
  router.use(authenticate(services));
  const read = requireSession(services, 'session.read');
  const comment = requireSession(services, 'session.comment');
  const service = () => services.liveComments;
  const fileId = (ctx: { params: Record<string, string | undefined> }) => {
    const id = ctx.params.fileId ?? '';
    if (!FILE_ID_RE.test(id)) throw new AppError('ERR_FILE_NOT_FOUND', 'File not found.');
    return id;
  };
  const threadId = (ctx: { params: Record<string, string | undefined> }) => {
    const id = ctx.params.threadId ?? '';
    if (!ID.test(id)) throw new AppError('ERR_COMMENT_NOT_FOUND', 'That comment does not exist.');
    return id;
  };
  const replyId = (ctx: { params: Record<string, string | undefined> }) => {
    const id = ctx.params.replyId ?? '';
    if (!ID.test(id)) throw new AppError('ERR_COMMENT_NOT_FOUND', 'That comment does not exist.');
    return id;
  };
  const actor = (ctx: { state: AuthState }) => ({ id: ctx.state.auth.user.id, role: ctx.state.role! });

  router.get('/comments', read, async (ctx) => {
    ctx.body = { threads: await service().list(ctx.params.sessionId!) };
  });

  router.get('/files/:fileId/comments', read, async (ctx) => {
    ctx.body = { threads: await service().list(ctx.params.sessionId!, fileId(ctx)) };
  });

  router.post('/files/:fileId/comments', comment, async (ctx) => {
    const input = parseWith(createSchema, ctx.request.body);
    ctx.status = 201;
    ctx.body = await service().create(ctx.params.sessionId!, fileId(ctx), actor(ctx), input);
  });

  router.post('/comments/:threadId/replies', comment, async (ctx) => {
    const { body } = parseWith(bodySchema, ctx.request.body);
    ctx.status = 201;
    ctx.body = await service().reply(ctx.params.sessionId!, threadId(ctx), actor(ctx), body);
  });

  router.patch('/comments/:threadId', comment, async (ctx) => {
    const { body } = parseWith(bodySchema, ctx.request.body);
    ctx.body = await service().edit(ctx.params.sessionId!, threadId(ctx), undefined, actor(ctx), body);
  });

  router.patch('/comments/:threadId/replies/:replyId', comment, async (ctx) => {
    const { body } = parseWith(bodySchema, ctx.request.body);
    ctx.body = await service().edit(ctx.params.sessionId!, threadId(ctx), replyId(ctx), actor(ctx), body);
  });

  router.delete('/comments/:threadId', comment, async (ctx) => {
    await service().remove(ctx.params.sessionId!, threadId(ctx), undefined, actor(ctx));
    ctx.status = 204;
  });

  router.delete('/comments/:threadId/replies/:replyId', comment, async (ctx) => {
    await service().remove(ctx.params.sessionId!, threadId(ctx), replyId(ctx), actor(ctx));
    ctx.status = 204;
  });

  router.post('/comments/:threadId/resolve', comment, async (ctx) => {
    const { resolved } = parseWith(z.object({ resolved: z.boolean().default(true) }), ctx.request.body ?? {});
    ctx.body = await service().resolve(ctx.params.sessionId!, threadId(ctx), resolved);
  });

  return router;
}
