/**
 * The server's json0: the presence-aware json0 every party registers (protocol/text-ops.ts),
 * whose `apply` also edits a ChunkedText in place. Only the server's own snapshots ever hold a
 * ChunkedText (the `apply` middleware converts large texts); anything arriving over the wire or
 * through an in-process connection is a plain string and takes json0's own path, so results are
 * identical either way.
 */
import { isTextComponent, registerTextType, type TextComponent } from '../protocol/text-ops.js';
import { ChunkedText } from './chunked-text.js';

interface Json0Like {
  name: string;
  uri: string;
  apply(data: unknown, op: unknown): unknown;
}

interface TypesModule {
  defaultType: Json0Like;
  map: Record<string, Json0Like>;
  register(type: { name: string; uri: string }): void;
}

const INSTALLED = Symbol.for('gitpad.chunkedApply');

export function registerServerTextType(types: TypesModule): void {
  registerTextType(types);
  const type = types.defaultType as Json0Like & { [INSTALLED]?: true };
  if (type[INSTALLED]) return;
  const plainApply = type.apply.bind(type);
  type.apply = (data: unknown, op: unknown) => {
    const text = (data as { text?: unknown } | null)?.text;
    if (!(text instanceof ChunkedText)) return plainApply(data, op);
    if (Array.isArray(op) && op.every(isTextComponent)) {
      // The same checks json0 makes, then the edit in place.
      for (const c of op as TextComponent[]) {
        if ('si' in c) text.insert(c.p[1], c.si);
        else text.delete(c.p[1], c.sd);
      }
      return data;
    }
    return plainApply({ ...(data as object), text: text.toJSON() }, op);
  };
  type[INSTALLED] = true;
}
