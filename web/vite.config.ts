import { defineConfig, type Plugin } from 'vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { fileURLToPath } from 'node:url'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

// Build: npx vite build --config web/vite.config.ts   (from the repository root)
// Dev:   npx vite --config web/vite.config.ts         (proxies /api to the server on :8080)
const root = fileURLToPath(new URL('.', import.meta.url))

// The self-hosted font's licence (SIL OFL 1.1) travels with its files in web/dist/assets.
const fontLicence: Plugin = {
  name: 'font-licence',
  generateBundle() {
    const file = createRequire(import.meta.url).resolve('@fontsource-variable/noto-sans-sc/LICENSE')
    this.emitFile({ type: 'asset', fileName: 'assets/noto-sans-sc.LICENSE.txt', source: readFileSync(file, 'utf8') })
  },
}

export default defineConfig({
  root,
  base: '/',
  plugins: [svelte({ configFile: false }), fontLicence],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1200,
    // Font subsets stay files, never data: URIs inlined into the CSS (the smallest are under Vite's 4 KB
    // limit): the browser fetches only the subsets in use, and the CSP allows fonts from 'self' only.
    assetsInlineLimit: (file) => (/\.(woff2?|ttf|otf)$/.test(file) ? false : undefined),
  },
  server: {
    port: 5173,
    // model/ lives one level above web/: allow Vite to serve it in dev.
    fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] },
    // Host is passed through (changeOrigin: false): the server takes localhost, and the page's Origin
    // then matches the Host it sees, so its cross-site check lets the dev page's POSTs through.
    proxy: {
      '/api': { target: process.env.API_TARGET ?? 'http://127.0.0.1:8080', changeOrigin: false },
    },
  },
  preview: {
    proxy: {
      '/api': { target: process.env.API_TARGET ?? 'http://127.0.0.1:8080', changeOrigin: false },
    },
  },
})
