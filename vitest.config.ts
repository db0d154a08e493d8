import { defineConfig } from 'vitest/config'

// libchdb binds one data directory per process: every test file runs in its own forked process
// and makes its own data directory (test/helpers/app.ts).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    isolate: true,
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', 'json'],
    outputFile: { json: '.tmp/vitest-results.json' },
  },
})
