/**
 * The Content-Security-Policy nonce's placeholder. Vite's `html.cspNonce` writes it into the built
 * index.html (a `<meta property="csp-nonce" nonce="…">` and the page's own tags); the server puts
 * a fresh random value in its place on every page load and names that value in the page's CSP
 * header. The editor reads it from the meta tag for the `<style>` elements CodeMirror injects.
 *
 * This module has no Node imports: the client and its build config import it too.
 */
export const CSP_NONCE_PLACEHOLDER = '__GITPAD_CSP_NONCE__';
