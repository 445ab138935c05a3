/** Sessions, their members and their files. Non-members get 404, exactly as for no session. */
import Router from '@koa/router';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.js';
import { parseWith } from '../../errors/validation.js';
import type { EventActor } from '../../protocol/events.js';
import { ROLES } from '../../protocol/roles.js';
import type { Services } from '../../services.js';
import { FILE_ID_RE } from '../../sessions/ids.js';
import { applyMemberChanges } from '../../sessions/members.js';
import { fileInfo, validateSessionName } from '../../sessions/service.js';
import { ON_CONFLICT, type OnConflict } from '../../versions/import.js';
import { type AuthState, authenticate, requireSession } from '../authenticate.js';
import { readRawBody } from '../raw-body.js';

const nameSchema = z.object({ name: z.unknown() });
const roleSchema = z.object({ role: z.enum(ROLES) });
const createFileSchema = z.object({
  path: z.unknown(),
  content: z.unknown().optional(),
  language: z.unknown().optional(),
});
const restoreFileSchema = z.object({
  path: z.unknown(),
  sha: z.string().max(64).optional(),
  content: z.unknown().optional(),
});
const updateFileSchema = z
  .object({ path: z.unknown().optional(), language: z.unknown().optional() })
  .refine((b) => b.path !== undefined || b.language !== undefined, 'send a new path or language');

const importQuerySchema = z.object({
  onConflict: z.enum(ON_CONFLICT as [OnConflict, ...OnConflict[]]).optional(),
  into: z.string().max(4096).optional(),
  /** The bundle's file name, said in the version message. */
  name: z.string().max(200).optional(),
});

const BUNDLE_TYPE = 'application/x-git-bundle';

type Ctx = { params: Record<string, string> };
const param = (ctx: unknown, name: string) => (ctx as Ctx).params[name] ?? '';

function fileIdOf(ctx: unknown): string {
  const id = param(ctx, 'fileId');
  if (!FILE_ID_RE.test(id)) throw new AppError('ERR_FILE_NOT_FOUND', 'File not found.');
  return id;
}

function actorOf(ctx: { state: AuthState }) {
  const u = ctx.state.auth.user;
  return { id: u.id, username: u.username, displayName: u.displayName };
}

/** Who did it, as events name them. */
function byOf(ctx: { state: AuthState }): EventActor {
  const u = ctx.state.auth.user;
  return { id: u.id, displayName: u.displayName };
}

export function sessionRoutes(services: Services): Router<AuthState> {
  const { store, sessions, access } = services;
  const router = new Router<AuthState>({ prefix: '/api/sessions' });
  router.use(authenticate(services));
  const read = requireSession(services, 'session.read');
  const write = requireSession(services, 'session.write');
  const manage = requireSession(services, 'session.manage');

  router.post('/', async (ctx) => {
    const name = validateSessionName(parseWith(nameSchema, ctx.request.body).name);
    const session = await sessions.create(name, ctx.state.auth.user.id);
    ctx.status = 201;
    ctx.body = { id: session.id, name: session.name, role: session.role, createdAt: session.createdAt };
  });

  router.get('/', async (ctx) => {
    const list = await store.sessions.listForUser(ctx.state.auth.user.id);
    ctx.body = { sessions: list.map(({ id, name, role, createdAt }) => ({ id, name, role, createdAt })) };
  });

  router.get('/:sessionId', read, async (ctx) => {
    const sessionId = param(ctx, 'sessionId');
    const [session, memberRows, files, manifest] = await Promise.all([
      store.sessions.byId(sessionId),
      store.members.list(sessionId),
      sessions.files(sessionId),
      sessions.manifest(sessionId),
    ]);
    if (!session) throw new AppError('ERR_SESSION_NOT_FOUND', 'Session not found.');
    const members = await Promise.all(
      memberRows.map(async (m) => {
        const u = await store.users.byId(m.userId);
        return {
          username: u?.username ?? '(deleted)',
          displayName: u?.displayName ?? '(deleted)',
          role: m.role,
        };
      }),
    );
    ctx.body = {
      id: session.id,
      name: session.name,
      role: ctx.state.role,
      createdAt: session.createdAt,
      members,
      files,
      // Kept folders (empty ones too), by path.
      folders: Object.keys(manifest.folders ?? {}).sort(),
    };
  });

  router.patch('/:sessionId', manage, async (ctx) => {
    const name = validateSessionName(parseWith(nameSchema, ctx.request.body).name);
    await sessions.rename(param(ctx, 'sessionId'), name);
    ctx.body = { id: param(ctx, 'sessionId'), name };
  });

  router.delete('/:sessionId', manage, async (ctx) => {
    await sessions.delete(param(ctx, 'sessionId'), byOf(ctx));
    ctx.status = 204;
  });

  // Members: owners change roles and remove people; a session always keeps an owner.
  router.post('/:sessionId/transfer', manage, async (ctx) => {
    const sessionId = param(ctx, 'sessionId');
    const { username } = parseWith(z.object({ username: z.string().max(64) }), ctx.request.body);
    const user = await store.users.byUsername(username);
    if (!user || (await access.roleOf(user.id, sessionId)) === null) {
      throw new AppError('ERR_USER_NOT_FOUND', 'Ownership goes to a member of the session: add them first.');
    }
    const me = ctx.state.auth.user.id;
    if (user.id === me) throw new AppError('ERR_BAD_REQUEST', 'You already own this session.');
    // One atomic change: the new owner in, the old one down to editor; never zero owners.
    await applyMemberChanges(
      services,
      sessionId,
      [
        { userId: user.id, role: 'owner' },
        { userId: me, role: 'editor' },
      ],
      byOf(ctx),
    );
    ctx.body = { owner: user.username };
  });

  router.put('/:sessionId/members/:username', manage, async (ctx) => {
    const sessionId = param(ctx, 'sessionId');
    const { role } = parseWith(roleSchema, ctx.request.body);
    const user = await store.users.byUsername(param(ctx, 'username'));
    if (!user) throw new AppError('ERR_USER_NOT_FOUND', 'No user with that username.');
    await applyMemberChanges(services, sessionId, [{ userId: user.id, role }], byOf(ctx));
    ctx.body = { username: user.username, displayName: user.displayName, role };
  });

  router.delete('/:sessionId/members/:username', manage, async (ctx) => {
    const sessionId = param(ctx, 'sessionId');
    const user = await store.users.byUsername(param(ctx, 'username'));
    if (!user || (await access.roleOf(user.id, sessionId)) === null) {
      throw new AppError('ERR_USER_NOT_FOUND', 'That user is not a member of this session.');
    }
    await applyMemberChanges(services, sessionId, [{ userId: user.id, role: null }], byOf(ctx));
    ctx.status = 204;
  });

  // JSON `{path, content?}` makes a text file; raw bytes (application/octet-stream, `?path=`) make
  // a text or a binary file by content (protocol/binary.ts), at most MAX_BINARY_BYTES.
  router.post('/:sessionId/files', write, async (ctx) => {
    if (ctx.is('application/octet-stream')) {
      const bytes = await readRawBody(
        ctx,
        'application/octet-stream',
        services.config.maxBinaryBytes,
        'a file',
      );
      ctx.status = 201;
      ctx.body = await services.imports.uploadFile(
        param(ctx, 'sessionId'),
        ctx.query.path,
        bytes,
        actorOf(ctx),
      );
      return;
    }
    const body = parseWith(createFileSchema, ctx.request.body);
    ctx.status = 201;
    ctx.body = await sessions.createFile(param(ctx, 'sessionId'), body, ctx.state.auth.user.id);
  });

  // A zip of files and folders as ONE version; `?onConflict=skip|replace|keep-both`, `?into=<folder>`.
  // Or a git bundle (its HEAD's files, not its history) into an EMPTY session, `?name=<file name>`.
  router.post('/:sessionId/import', write, async (ctx) => {
    const { onConflict, into, name } = parseWith(importQuerySchema, ctx.query);
    if (ctx.is(BUNDLE_TYPE)) {
      const body = await readRawBody(ctx, BUNDLE_TYPE, services.config.maxImportBytes, 'a git bundle');
      ctx.status = 201;
      ctx.body = await services.imports.importBundle(
        param(ctx, 'sessionId'),
        body,
        name?.trim() || 'a git bundle',
        actorOf(ctx),
      );
      return;
    }
    const body = await readRawBody(ctx, 'application/zip', services.config.maxImportBytes, 'an import');
    ctx.status = 201;
    ctx.body = await services.imports.importZip(
      param(ctx, 'sessionId'),
      body,
      { onConflict, into },
      actorOf(ctx),
    );
  });

  // A deleted file back: from the caller's local copy (`content`) or a version (`sha`, default the
  // newest one holding `path`).
  router.post('/:sessionId/files/restore', write, async (ctx) => {
    const body = parseWith(restoreFileSchema, ctx.request.body);
    const u = ctx.state.auth.user;
    ctx.status = 201;
    ctx.body = await services.versions.restoreFile(param(ctx, 'sessionId'), body, {
      id: u.id,
      username: u.username,
      displayName: u.displayName,
    });
  });

  // A binary file has no text: its entry (with `blob`); its bytes are at `.../raw`.
  router.get('/:sessionId/files/:fileId', read, async (ctx) => {
    const sessionId = param(ctx, 'sessionId');
    const fileId = fileIdOf(ctx);
    const entry = (await sessions.manifest(sessionId)).files[fileId];
    ctx.body = entry?.blob ? fileInfo(sessionId, fileId, entry) : await sessions.readFile(sessionId, fileId);
  });

  // `path` may be relative to the file's folder (`../web/lib.rs`, `./x.rs`); everyone is told of a move.
  router.patch('/:sessionId/files/:fileId', write, async (ctx) => {
    const body = parseWith(updateFileSchema, ctx.request.body);
    ctx.body = await services.versions.updateFile(param(ctx, 'sessionId'), fileIdOf(ctx), body, actorOf(ctx));
  });

  // Folders that stay while empty; moving one moves everything under it as one op and one version.
  router.post('/:sessionId/folders', write, async (ctx) => {
    const { path } = parseWith(z.object({ path: z.unknown() }), ctx.request.body);
    ctx.status = 201;
    ctx.body = await sessions.createFolder(param(ctx, 'sessionId'), path);
  });

  router.post('/:sessionId/folders/move', write, async (ctx) => {
    const body = parseWith(z.object({ from: z.unknown(), to: z.unknown() }), ctx.request.body);
    const { from, to, files, sha } = await services.versions.moveFolder(
      param(ctx, 'sessionId'),
      body,
      actorOf(ctx),
    );
    ctx.body = { from, to, files, sha };
  });

  router.delete('/:sessionId/folders/*path', write, async (ctx) => {
    const path = (ctx.params as Record<string, string | string[]>).path;
    await sessions.deleteFolder(param(ctx, 'sessionId'), Array.isArray(path) ? path.join('/') : (path ?? ''));
    ctx.status = 204;
  });

  // The file's last text is committed first; `session:event` fileDeleted names that version.
  router.delete('/:sessionId/files/:fileId', write, async (ctx) => {
    const u = ctx.state.auth.user;
    await services.versions.deleteFile(param(ctx, 'sessionId'), fileIdOf(ctx), {
      id: u.id,
      username: u.username,
      displayName: u.displayName,
    });
    ctx.status = 204;
  });

  return router;
}
