// Applies the numbered .sql files in analytics/migrations in order, once each, recording them.
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { createHash } from 'node:crypto'
import type { Db } from './clickhouse'
import { queryRows } from './clickhouse'

const DIR = fileURLToPath(new URL('./migrations/', import.meta.url))

export interface Migration { version: number; name: string; statements: string[]; checksum: string }

export function loadMigrations(dir = DIR): Migration[] {
  const list = readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => {
      const text = readFileSync(path.join(dir, f), 'utf8')
      // Statements end with ';' at the end of a line; comments are stripped first.
      const statements = text
        .split('\n')
        .filter((l) => !l.trim().startsWith('--'))
        .join('\n')
        .split(/;\s*$/m)
        .map((s) => s.trim())
        .filter(Boolean)
      return { version: Number(f.slice(0, 3)), name: f, statements, checksum: createHash('sha256').update(text).digest('hex').slice(0, 16) }
    })
  // Two files with one number would be applied as one version and the second silently skipped.
  for (let i = 1; i < list.length; i++)
    if (list[i].version === list[i - 1].version) throw new Error(`migrations ${list[i - 1].name} and ${list[i].name} share the number ${list[i].version}: renumber one`)
  return list
}

export async function migrate(db: Db, log?: { info: (o: object, m: string) => void }): Promise<number[]> {
  await db.command({
    query: `CREATE TABLE IF NOT EXISTS schema_migrations (
      version UInt32, name String, checksum String, applied_at DateTime64(3, 'Asia/Shanghai') DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree ORDER BY version`,
  })
  // Steps of a migration are recorded as they complete, so a crash part-way resumes after the last
  // finished statement instead of repeating ones that are not idempotent (EXCHANGE TABLES, INSERT … SELECT).
  await db.command({
    query: `CREATE TABLE IF NOT EXISTS schema_migration_steps (
      version UInt32, step UInt32, applied_at DateTime64(3, 'Asia/Shanghai') DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree ORDER BY (version, step)`,
  })
  const done = new Set((await queryRows<{ version: number }>(db, 'SELECT version FROM schema_migrations FINAL')).map((r) => r.version))
  const applied: number[] = []
  for (const m of loadMigrations()) {
    if (done.has(m.version)) continue
    const steps = new Set((await queryRows<{ step: number }>(db,
      'SELECT step FROM schema_migration_steps FINAL WHERE version = {v:UInt32}', { v: m.version })).map((r) => Number(r.step)))
    for (const [i, q] of m.statements.entries()) {
      if (steps.has(i)) continue
      await db.command({ query: q })
      await db.insert({ table: 'schema_migration_steps', values: [{ version: m.version, step: i }], format: 'JSONEachRow' })
    }
    await db.insert({ table: 'schema_migrations', values: [{ version: m.version, name: m.name, checksum: m.checksum }], format: 'JSONEachRow' })
    applied.push(m.version)
    log?.info({ migration: m.name }, 'migration applied')
  }
  return applied
}
