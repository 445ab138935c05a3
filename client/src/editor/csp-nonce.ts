/**
 * CodeMirror injects its themes as `<style>` elements, which the page's Content-Security-Policy
 * allows only with the nonce the server wrote into this page load (see server/src/protocol/csp.ts).
 */
import type { Extension } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { CSP_NONCE_PLACEHOLDER } from '@protocol/csp';

/** The page's CSP nonce; empty when there is none (dev server, tests without a page). */
export function pageNonce(): string {
  if (typeof document === 'undefined') return '';
  const meta = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]');
  // Browsers hide a nonce attribute's value once parsed; the property keeps it.
  const nonce = meta?.nonce || meta?.getAttribute('nonce') || '';
  return nonce === CSP_NONCE_PLACEHOLDER ? '' : nonce;
}

/** Every EditorView of the page needs this from its first state on: styles mount at creation. */
export function cspNonce(): Extension {
  const nonce = pageNonce();
  return nonce ? EditorView.cspNonce.of(nonce) : [];
}
