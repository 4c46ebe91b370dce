// Vite bundles the workspace; JSX goes to Preact through esbuild (no Babel plugin needed).
// The server serves the output with a Content-Security-Policy that forbids inline script,
// so nothing may be inlined into index.html.
import { defineConfig } from 'vite';

export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    target: 'es2020',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
    // The charts' chunk (ECharts, ~540 kB) is fetched only by the dashboard and the review.
    chunkSizeWarningLimit: 600,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
