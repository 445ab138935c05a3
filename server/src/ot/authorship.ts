/**
 * Who typed an op, recorded in the op itself: the `submit` middleware stamps the submitting
 * user's id into the op's metadata (`m`, which ShareDB creates for every submit and every store
 * keeps with the op), so the op log says who typed what with no write of its own. The commit
 * worker reads it back to choose a commit's author and co-authors, also after a crash.
 *
 * Metadata is never sent to clients (ShareDB strips `m` before publishing, and the stores drop it
 * unless a read asks for `metadata`), and only the server writes it: a client cannot put an `m`
 * on an op, ShareDB replaces it.
 */

/** The key under `op.m` holding the id of the user whose connection submitted the op. */
export const AUTHOR_KEY = 'u';

/** Records `userId` as the op's author. `op` is the op of a ShareDB submit request. */
export function stampAuthor(op: { m?: Record<string, unknown> }, userId: string): void {
  op.m ??= {};
  op.m[AUTHOR_KEY] = userId;
}

/** The user who typed a stored op (read with `metadata: true`), if a user did. */
export function authorOf(op: { m?: Record<string, unknown> | null }): string | undefined {
  const u = op.m?.[AUTHOR_KEY];
  return typeof u === 'string' ? u : undefined;
}

/** Characters a json0 string op inserts plus deletes. */
export function editedChars(components: unknown): number {
  if (!Array.isArray(components)) return 0;
  let chars = 0;
  for (const c of components as Array<{ si?: unknown; sd?: unknown }>) {
    if (typeof c.si === 'string') chars += c.si.length;
    if (typeof c.sd === 'string') chars += c.sd.length;
  }
  return chars;
}
