import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';
import { CSP_NONCE_PLACEHOLDER } from '../server/src/protocol/csp';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** The API server the dev server forwards to; `npm run dev` listens there by default. */
const apiTarget = process.env.GITPAD_API ?? 'http://localhost:3000';

export default defineConfig({
  root: here('.'),
  plugins: [vue()],
  resolve: {
    alias: {
      '@/': here('./src/'),
      // Error codes and roles are shared with the server; those modules have no Node imports.
      '@protocol': here('../server/src/protocol'),
      // See src/realtime/node-util-shim.ts.
      util: here('./src/realtime/node-util-shim.ts'),
    },
  },
  // The server puts a fresh nonce in place of the placeholder on every page load (CSP).
  html: { cspNonce: CSP_NONCE_PLACEHOLDER },
  build: {
    outDir: here('../dist/client'),
    emptyOutDir: true,
    // The editor's language packages are split out and loaded on demand (editor/languages.ts).
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      '/api': apiTarget,
      '/git': apiTarget,
      '/socket.io': { target: apiTarget, ws: true },
    },
  },
});
