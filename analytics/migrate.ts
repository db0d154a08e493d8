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
  return readdirSync(dir)
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
}

export async function migrate(db: Db, log?: { info: (o: object, m: string) => void }): Promise<number[]> {
  await db.command({
    query: `CREATE TABLE IF NOT EXISTS schema_migrations (
      version UInt32, name String, checksum String, applied_at DateTime64(3, 'Asia/Shanghai') DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree ORDER BY version`,
  })
  const done = new Set((await queryRows<{ version: number }>(db, 'SELECT version FROM schema_migrations FINAL')).map((r) => r.version))
  const applied: number[] = []
  for (const m of loadMigrations()) {
    if (done.has(m.version)) continue
    // Statements are written idempotently (IF NOT EXISTS), so a crash between them is safe to re-run.
    for (const q of m.statements) await db.command({ query: q })
    await db.insert({ table: 'schema_migrations', values: [{ version: m.version, name: m.name, checksum: m.checksum }], format: 'JSONEachRow' })
    applied.push(m.version)
    log?.info({ migration: m.name }, 'migration applied')
  }
  return applied
}
