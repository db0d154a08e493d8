// `npm run import -- FILE --mapping MAPPING [--dry-run]` as a separate process writing into its own
// embedded data directory, counted back from ClickHouse; CSV without a mapping is refused clearly.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync, writeFileSync, rmSync, existsSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { openDb, queryRows } from '../analytics/clickhouse'
import { workOrder, workOrderCsv } from './helpers/import-fixtures'

let dir: string
beforeAll(() => { dir = mkdtempSync(path.join(tmpdir(), 'linkage-mapped-cli-')) })
afterAll(() => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }))

const run = (args: string[], dataDir: string) => spawnSync('npx', ['tsx', 'ingest/import-cli.ts', ...args], {
  encoding: 'utf8', env: { ...process.env, DATA_DIR: dataDir, PORT: '1', LOG_LEVEL: 'silent', INGEST_URL: '', LINKAGE_TOKEN: '' }, timeout: 120_000,
})

describe('import CLI with a mapping', () => {
  it('refuses a CSV without a mapping, naming --mapping, and a mapping naming missing columns', () => {
    const file = path.join(dir, 'plain.csv')
    writeFileSync(file, workOrderCsv([workOrder(1)]))
    const r = run([file], path.join(dir, 'unused'))
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('is CSV: a CSV export needs a mapping')
    expect(r.stderr).toContain('--mapping MAPPING.json')
    // A CSV under another name is recognised by its content.
    const txt = path.join(dir, 'export.ndjson')
    writeFileSync(txt, workOrderCsv([workOrder(1)]))
    expect(run([txt], path.join(dir, 'unused')).stderr).toContain('is CSV')
    const wrong = path.join(dir, 'wrong.json')
    writeFileSync(wrong, JSON.stringify({ fields: { platform: { const: '12345' }, source_id: '编号', channel: { const: 'web' }, received_at: '时间', county_code: { const: '410105' }, kind: { const: 'help' }, status: { const: 'received' } } }))
    const m = run([file, '--mapping', wrong, '--dry-run'], path.join(dir, 'unused'))
    expect(m.status).toBe(2)
    expect(m.stderr).toContain('the mapping names columns the file does not have: 编号 (for source_id), 时间 (for received_at)')
    expect(existsSync(path.join(dir, 'unused'))).toBe(false)
  }, 120_000)

  it('dry run writes nothing; the import stores every good row, reports the bad by line and field, and counts back', async () => {
    const rows = Array.from({ length: 6000 }, (_, i) => workOrder(i))
    rows[4321] = workOrder(4321, { 受理时间: 'yesterday' })
    rows[5999] = workOrder(5999, { 诉求类型: '表扬' })
    const file = path.join(dir, 'orders.csv')
    writeFileSync(file, workOrderCsv(rows))
    const dataDir = path.join(dir, 'data')
    const mapping = 'ingest/mappings/12345-work-orders.json'

    const dry = run([file, '--mapping', mapping, '--dry-run'], dataDir)
    expect(dry.stdout).toContain('5998 would be accepted, 2 would be rejected')
    expect(dry.stdout).toContain(`line ${2 + 3 * 4321} (WO-004321): rejected — received_at: "yesterday" (column 受理时间) is not a time`)
    expect(dry.stdout).toContain('dry run: nothing was written.')
    expect(dry.status).toBe(1)
    expect(existsSync(dataDir) ? readdirSync(dataDir) : []).toEqual([]) // no store opened, no secret made

    const r = run([file, '--mapping', mapping], dataDir)
    expect(r.stdout).toContain(`writing to embedded ClickHouse in ${dataDir}`)
    expect(r.stdout).toContain(`line ${2 + 3 * 5999} (WO-005999): rejected — kind: "表扬" (column 诉求类型) is not in the mapping's value map for kind`)
    expect(r.stdout).toContain('5998 accepted, 2 rejected (records, csv through the mapping')
    expect(r.stdout).toMatch(/rejected by reason:\n(.*\n)*\s+1 × kind: "…" \(column 诉求类型\) is not in the mapping.s value map for kind \(add it to "map"/)
    expect(r.stdout + r.stderr).not.toMatch(/1381234\d{4}|张三/)
    expect(r.status).toBe(1)
    const db = openDb({ dataDir })
    const [{ n, counties }] = await queryRows<{ n: number; counties: number }>(db, `SELECT count() AS n, uniqExact(county_code) AS counties FROM records FINAL`)
    expect(Number(n)).toBe(5998)
    expect(Number(counties)).toBe(3)
    const [{ q }] = await queryRows<{ q: number }>(db, `SELECT count() AS q FROM quarantine`)
    expect(Number(q)).toBe(2)
    await db.close()
  }, 180_000)
})
