/**
 * Key bindings as the command registry writes them: `Mod+Shift+P`, `?`. `Mod` is ⌘ on Apple
 * platforms and Ctrl elsewhere. One spec is both what a keydown is matched against and what the
 * palette and the shortcut sheet show, so the shortcut shown is the one bound.
 */

/** Whether this browser runs on an Apple platform (⌘ for Mod). */
export const IS_MAC = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

interface Parsed {
  mod: boolean;
  shift: boolean;
  alt: boolean;
  /** The key, lower case (`p`, `?`, `escape`). */
  key: string;
}

function parse(spec: string): Parsed {
  const parts = spec.split('+');
  // `Mod++` would be a plus key; none is bound, so a trailing empty part is not handled.
  const key = parts.pop()!.toLowerCase();
  const mods = new Set(parts.map((p) => p.toLowerCase()));
  return { mod: mods.has('mod'), shift: mods.has('shift'), alt: mods.has('alt'), key };
}

/** The subset of a KeyboardEvent a match needs (tests pass plain objects). */
export type KeyLike = Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>;

/**
 * Whether `event` is `spec`. Modifiers must match exactly (Ctrl+P is not Ctrl+Shift+P), except
 * that a printable symbol key (`?`) ignores Shift, which typing it usually takes.
 */
export function matchesKey(spec: string, event: KeyLike, mac = IS_MAC): boolean {
  const k = parse(spec);
  if (event.key.toLowerCase() !== k.key) return false;
  const mod = mac ? event.metaKey : event.ctrlKey;
  const other = mac ? event.ctrlKey : event.metaKey;
  if (mod !== k.mod || other || event.altKey !== k.alt) return false;
  const symbol = k.key.length === 1 && !/[a-z0-9]/.test(k.key);
  return symbol || event.shiftKey === k.shift;
}

/** A command's bindings (one, or several alternatives) as one label: `Ctrl+Shift+P or F1`. */
export function keysLabel(keys: string | readonly string[], mac = IS_MAC): string {
  return (typeof keys === 'string' ? [keys] : keys).map((k) => keyLabel(k, mac)).join(' or ');
}

/** Whether `event` is any of `keys`. */
export function matchesAnyKey(keys: string | readonly string[], event: KeyLike, mac = IS_MAC): boolean {
  return (typeof keys === 'string' ? [keys] : keys).some((k) => matchesKey(k, event, mac));
}

/** `Mod+Shift+P` as a person reads it: `⌘⇧P` on a Mac, `Ctrl+Shift+P` elsewhere. */
export function keyLabel(spec: string, mac = IS_MAC): string {
  const k = parse(spec);
  const key = k.key.length === 1 ? k.key.toUpperCase() : k.key[0]!.toUpperCase() + k.key.slice(1);
  if (mac) return `${k.mod ? '⌘' : ''}${k.alt ? '⌥' : ''}${k.shift ? '⇧' : ''}${key}`;
  return [k.mod && 'Ctrl', k.alt && 'Alt', k.shift && 'Shift', key].filter(Boolean).join('+');
}
