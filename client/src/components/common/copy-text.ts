/**
 * Copies text to the clipboard. The Clipboard API exists only in secure contexts (https or
 * localhost), and Gitpad is often opened as plain http on a LAN address; then the text is
 * selected in its field and copied with the legacy command. Resolves false when neither worked
 * (the text is left selected for Ctrl+C).
 */
export async function copyText(
  text: string,
  field?: HTMLInputElement | HTMLTextAreaElement | null,
): Promise<boolean> {
  if (typeof navigator !== 'undefined' && navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      field?.select();
      return true;
    } catch {
      // not allowed (no user gesture, denied): try the fallback
    }
  }
  if (!field) return false;
  field.focus();
  field.select();
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  }
}
