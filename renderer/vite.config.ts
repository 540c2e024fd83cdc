import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
// eslint-disable-next-line no-restricted-imports -- the build config runs in Node, not in the page
import { fileURLToPath } from 'node:url';

/**
 * The page ships with a strict Content-Security-Policy (see index.html). The dev server alone needs inline scripts
 * and styles (React Fast Refresh preamble, injected CSS) and its HMR socket, so the policy is relaxed only there.
 */
function devCsp(): Plugin {
  return {
    name: 'timbre-dev-csp',
    apply: 'serve',
    transformIndexHtml(html) {
      return html
        .replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
        .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [react(), devCsp()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
  },
  server: { host: '127.0.0.1', port: 5173, strictPort: false },
});
