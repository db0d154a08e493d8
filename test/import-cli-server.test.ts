// `npm run import -- FILE --url URL` while a server runs: the file goes through that server, whose
// process owns the embedded data directory (its own test file: one data directory per process).
import { describe, it, expect } from 'vitest'
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { queryRows } from '../analytics/clickhouse'
import { startTestApp } from './helpers/app'

describe('import CLI with a running server', () => {
  it('sends the file to a running server, whose process owns the embedded data directory', async () => {
    const app = await startTestApp()
    const dir = mkdtempSync(path.join(tmpdir(), 'linkage-import-srv-'))
    const file = path.join(dir, 'events.ndjson')
    const ev = (i: number) => ({ event_id: `IMP-EV-${i}`, platform: '12345', record_id: 'G-1', type: 'urged', at: '2026-11-20T10:00:00+08:00' })
    writeFileSync(file, [ev(1), ev(2), ev(1)].map((e) => JSON.stringify(e)).join('\n'))
    // Not spawnSync: the server answering the CLI runs in this very process.
    const r = await promisify(execFile)('npx', ['tsx', 'ingest/import-cli.ts', file, '--url', app.url], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent' }, timeout: 60_000 })
    expect(r.stdout).toContain(`sending to the running server at ${app.url}`)
    expect(r.stdout).toContain('3 accepted, 0 rejected (events') // exit code 0, or execFile would have thrown
    const [{ n }] = await queryRows<{ n: number }>(app.db, `SELECT count() AS n FROM events FINAL WHERE event_id LIKE 'IMP-EV-%'`)
    expect(Number(n)).toBe(2) // the repeated line is the same event
    await app.stop()
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 })
  }, 60_000)
})
