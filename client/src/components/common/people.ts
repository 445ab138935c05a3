/** How a person is drawn in small: initials in their colour. Shared by presence and history. */

/** "Ana Lima" → "AL", "bo" → "BO": first and last word's first letter, or a single word's first two. */
export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters =
    parts.length > 1
      ? [parts[0]!, parts[parts.length - 1]!].map((p) => [...p][0])
      : [...(parts[0] ?? '?')].slice(0, 2);
  return letters.join('').toUpperCase();
}

/**
 * A stable colour for someone whose server-chosen colour we do not have (authors of old
 * versions who are not online): a hue from their username.
 */
export function fallbackColor(key: string): string {
  let hash = 0;
  for (const ch of key) hash = (hash * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return `hsl(${hash % 360} 55% 50%)`;
}
