#!/usr/bin/env node
// `npm run test:dates`: runs the tests that build their data from dates over consecutive simulated
// dates, through TEST_NOW (test/helpers/fixtures.ts testNow()), one vitest run per date. Fails if any
// date fails; the last line is a one-line summary.
//
//   npm run test:dates                                   30 dates from 2025-12-17 (crosses a month and a year)
//   npm run test:dates -- --from 2026-02-20 --days 10    another range
//   npm run test:dates -- --days 3 test/simulator.test.ts   other files
//
// The range is fixed and in the past (the server refuses timestamps ahead of the real clock), so a
// run tests the same dates whatever day it is.
import { spawn } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const DEFAULT_FILES = ['test/simulator.test.ts', 'test/privacy-sweep.test.ts', 'test/metrics.test.ts', 'test/jobs.test.ts', 'test/detectors.test.ts']

const args = process.argv.slice(2)
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`)
  if (i < 0) return def
  const v = args[i + 1]
  args.splice(i, 2)
  return v
}
const from = opt('from', '2025-12-17')
const days = Number(opt('days', '30'))
const files = args.length ? args : DEFAULT_FILES
if (!/^\d{4}-\d{2}-\d{2}$/.test(from) || !Number.isInteger(days) || days < 1) {
  console.error('usage: test-dates.mjs [--from YYYY-MM-DD] [--days N] [test files…]')
  process.exit(2)
}
const start = Date.parse(`${from}T12:00:00+08:00`)
const dates = Array.from({ length: days }, (_, i) => new Date(start + i * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10))
if (Date.parse(`${dates.at(-1)}T12:00:00+08:00`) > Date.now()) {
  console.error(`the range must lie in the past: ${dates.at(-1)} is ahead of the clock`)
  process.exit(2)
}

const logDir = path.join(root, '.tmp', 'test-dates')
mkdirSync(logDir, { recursive: true })
rmSync(path.join(logDir, 'summary.json'), { force: true })

function runDate(date) {
  return new Promise((resolve) => {
    const started = Date.now()
    // --reporter replaces the configured ones, so the suite's .tmp/vitest-results.json is left alone.
    const child = spawn(process.execPath, [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...files, '--reporter=dot'], {
      cwd: root,
      env: { ...process.env, TEST_NOW: `${date}T12:00:00+08:00`, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d) => { out += d })
    child.stderr.on('data', (d) => { out += d })
    child.on('close', (code) => resolve({ date, ok: code === 0, ms: Date.now() - started, out: out.replace(/\x1b\[[0-9;]*m/g, '') }))
  })
}

const t0 = Date.now()
const failed = []
for (const date of dates) {
  const r = await runDate(date)
  const tests = /Tests\s+(.*)/.exec(r.out)?.[1]?.trim() ?? ''
  console.log(`${date} ${r.ok ? 'ok  ' : 'FAIL'} ${(r.ms / 1000).toFixed(1)} s  ${tests}`)
  if (!r.ok) {
    failed.push(date)
    const file = path.join(logDir, `${date}.log`)
    writeFileSync(file, r.out)
    console.log(r.out.split('\n').filter((l) => /FAIL|AssertionError|Error:|expected|×/.test(l)).slice(0, 20).join('\n'))
    console.log(`   full output: ${path.relative(root, file)}`)
  }
}
const secs = Math.round((Date.now() - t0) / 1000)
// For .ci/run's final count: one per date.
writeFileSync(path.join(logDir, 'summary.json'), JSON.stringify({ passed: dates.length - failed.length, failed: failed.length, failed_dates: failed, files }))
console.log(failed.length
  ? `test:dates: ${failed.length} of ${dates.length} dates FAILED (${failed.join(', ')}); ${files.length} files, ${dates[0]} … ${dates.at(-1)}, ${secs} s`
  : `test:dates: ${dates.length} of ${dates.length} dates passed; ${files.length} files, ${dates[0]} … ${dates.at(-1)}, ${secs} s`)
process.exit(failed.length ? 1 : 0)
