// Migrations apply once each, in order, from the same .sql files the app uses.
import { describe, it, expect } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { openDb, queryRows } from '../analytics/clickhouse'
import { migrate, loadMigrations } from '../analytics/migrate'

describe('migrations', () => {
  it('apply in order, are recorded, and a second run applies nothing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'linkage-mig-'))
    const db = openDb({ dataDir: dir })
    const files = loadMigrations()
    expect(files.map((m) => m.version)).toEqual([...files.map((m) => m.version)].sort((a, b) => a - b))
    expect(await migrate(db)).toEqual(files.map((m) => m.version))
    expect(await migrate(db)).toEqual([])
    const recorded = await queryRows<{ version: number; name: string }>(db, 'SELECT version, name FROM schema_migrations FINAL ORDER BY version')
    expect(recorded.map((r) => r.name)).toEqual(files.map((m) => m.name))
    const tables = (await queryRows<{ name: string }>(db, 'SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name')).map((t) => t.name)
    expect(tables).toEqual(expect.arrayContaining(['records', 'events', 'quarantine', 'bounce_daily', 'job_windows', 'schema_migrations']))
    await db.close()
    rmSync(dir, { recursive: true, force: true })
  })
})
