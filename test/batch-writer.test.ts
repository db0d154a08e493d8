// The batched writer against embedded ClickHouse: size and time flushes, shutdown flush, failure.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { openDb, queryRows, type Db } from '../analytics/clickhouse'
import { BatchWriter, WriterClosedError, WriterBusyError } from '../ingest/batch-writer'

type R = { k: string; v: number }
let db: Db
let dir: string
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'linkage-bw-'))
  db = openDb({ dataDir: dir })
  await db.command({ query: `CREATE TABLE t (k String, v UInt32) ENGINE = MergeTree ORDER BY k SETTINGS non_replicated_deduplication_window = 100` })
})
afterAll(async () => { await db.close(); rmSync(dir, { recursive: true, force: true }) })

const n = async () => Number((await queryRows<{ n: number }>(db, 'SELECT count() AS n FROM t'))[0].n)
const rows = (from: number, k: number) => Array.from({ length: k }, (_, i) => ({ k: `r${from + i}`, v: from + i }))

describe('BatchWriter', () => {
  it('flushes a full batch at once and resolves writes only when stored', async () => {
    const w = new BatchWriter<R>(db, { table: 't', maxRows: 100, flushMs: 300, keyOf: (r) => r.k })
    const done = w.write(rows(0, 250))
    // Two full batches go at once; the remaining 50 wait for the timer.
    await new Promise((r) => setTimeout(r, 150))
    expect(await n()).toBe(200)
    await done // resolves only when all 250 are stored
    expect(await n()).toBe(250)
    expect(w.stats.batches).toBe(3)
    await w.close()
  })

  it('flushes on time when the batch does not fill', async () => {
    const w = new BatchWriter<R>(db, { table: 't', maxRows: 10_000, flushMs: 30, keyOf: (r) => r.k })
    const before = await n()
    const t0 = Date.now()
    await w.write(rows(1000, 5))
    expect(Date.now() - t0).toBeLessThan(5_000)
    expect(await n()).toBe(before + 5)
    await w.close()
  })

  it('flushes what is buffered on close and refuses writes afterwards', async () => {
    const w = new BatchWriter<R>(db, { table: 't', maxRows: 10_000, flushMs: 60_000, keyOf: (r) => r.k })
    const before = await n()
    const p = w.write(rows(2000, 7))
    await w.close()
    await p
    expect(await n()).toBe(before + 7)
    await expect(w.write(rows(3000, 1))).rejects.toBeInstanceOf(WriterClosedError)
  })

  it('does not store the same batch twice when it is sent again', async () => {
    const w = new BatchWriter<R>(db, { table: 't', maxRows: 10_000, flushMs: 5, keyOf: (r) => r.k })
    const before = await n()
    await w.write(rows(4000, 3))
    await w.write(rows(4000, 3))
    expect(await n()).toBe(before + 3)
    await w.close()
  })

  it('rejects every waiting write when ClickHouse refuses the batch, and refuses past its buffer limit', async () => {
    const w = new BatchWriter<R>(db, { table: 'no_such_table', maxRows: 10, flushMs: 5, retries: 1, keyOf: (r) => r.k })
    await expect(w.write([{ k: 'x', v: 1 }])).rejects.toThrow(/no_such_table|UNKNOWN_TABLE|doesn't exist/i)
    expect(w.stats.failures).toBe(1)
    const small = new BatchWriter<R>(db, { table: 't', maxRows: 10, flushMs: 60_000, maxBuffered: 5, keyOf: (r) => r.k })
    await expect(small.write(rows(5000, 6))).rejects.toBeInstanceOf(WriterBusyError)
    await small.close()
  })
})
