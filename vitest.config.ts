// Vitest runs every workspace's tests from source: cross-package imports resolve to src/ through
// these aliases, so `npm test` never depends on a stale dist/ for unit tests (e2e spawns dist/).
import { fileURLToPath } from 'node:url'
import { configDefaults, defineConfig } from 'vitest/config'

const src = (p: string): string => fileURLToPath(new URL(`./packages/${p}`, import.meta.url))

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@runiam\/core$/, replacement: src('core/src/index.ts') },
      { find: /^@runiam\/core\/(.*)$/, replacement: src('core/src/$1/index.ts') },
      { find: /^@runiam\/api$/, replacement: src('api/src/index.ts') },
      { find: /^@runiam\/api\/(.*)$/, replacement: src('api/src/$1/index.ts') },
      { find: /^@runiam\/store$/, replacement: src('store/src/index.ts') },
      { find: /^@runiam\/store\/(.*)$/, replacement: src('store/src/$1/index.ts') },
      { find: /^@runiam\/server$/, replacement: src('server/src/index.ts') },
    ],
  },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'e2e/src/**/*.test.ts',
      'e2e/google-clients/src/**/*.test.ts',
      'bench/src/**/*.test.ts',
    ],
    // The console is browser code, tested in Chromium by e2e/src/console, never in Node.
    exclude: [...configDefaults.exclude, 'packages/console/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
})
