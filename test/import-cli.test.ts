// `npm run import -- FILE` as a separate process writing to its own embedded data directory.
import { describe, it, expect } from 'vitest'
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { openDb, queryRows } from '../analytics/clickhouse'
import { record } from './helpers/fixtures'

describe('import CLI', () => {
  it('loads good lines, reports bad ones by file line and field, and exits non-zero', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'linkage-import-'))
    const file = path.join(dir, 'in.ndjson')
    const lines = Array.from({ length: 12_000 }, (_, i) => JSON.stringify(record({ source_id: `IMP-${i}` })))
    lines[10_500] = JSON.stringify(record({ source_id: 'IMP-BAD', county_code: '999999' }))
    writeFileSync(file, lines.join('\n') + '\n')
    const r = spawnSync('npx', ['tsx', 'ingest/import-cli.ts', file], {
      encoding: 'utf8',
      env: { ...process.env, DATA_DIR: dir, PORT: '1', LOG_LEVEL: 'silent' },
      timeout: 120_000,
    })
    expect(r.stdout).toContain('line 10501 (IMP-BAD): rejected — county_code: unknown county code 999999')
    expect(r.stdout).toContain('11999 accepted, 1 rejected')
    expect(r.status).toBe(1)
    const db = openDb({ dataDir: dir })
    const [{ n }] = await queryRows<{ n: number }>(db, `SELECT count() AS n FROM records FINAL`)
    expect(Number(n)).toBe(11_999)
    await db.close()
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 })
  }, 120_000)
})
