// The batched writer against embedded ClickHouse: size and time flushes, shutdown flush, failure.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { openDb, queryRows, type Db } from '../analytics/clickhouse'
import { BatchWriter, WriterClosedError, WriterBusyError, StorageError } from '../ingest/batch-writer'

type R = { k: string; v: number; s?: string }
let db: Db
let dir: string
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'linkage-bw-'))
  db = openDb({ dataDir: dir })
  await db.command({ query: `CREATE TABLE t (k String, v UInt32, s String DEFAULT '') ENGINE = MergeTree ORDER BY k SETTINGS non_replicated_deduplication_window = 100` })
  await db.command({ query: `CREATE TABLE tm (k String, d Date) ENGINE = MergeTree PARTITION BY toYYYYMM(d) ORDER BY k` })
})
afterAll(async () => { await db.close(); rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }) })

const n = async () => Number((await queryRows<{ n: number }>(db, 'SELECT count() AS n FROM t'))[0].n)
const rows = (from: number, k: number) => Array.from({ length: k }, (_, i) => ({ k: `r${from + i}`, v: from + i }))

describe('BatchWriter', () => {
  it('flushes a full batch at once and resolves writes only when stored', async () => {
    const w = new BatchWriter<R>(db, { table: 't', maxRows: 100, flushMs: 300 })
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
    const w = new BatchWriter<R>(db, { table: 't', maxRows: 10_000, flushMs: 30 })
    const before = await n()
    const t0 = Date.now()
    await w.write(rows(1000, 5))
    expect(Date.now() - t0).toBeLessThan(5_000)
    expect(await n()).toBe(before + 5)
    await w.close()
  })

  it('flushes what is buffered on close and refuses writes afterwards', async () => {
    const w = new BatchWriter<R>(db, { table: 't', maxRows: 10_000, flushMs: 60_000 })
    const before = await n()
    const p = w.write(rows(2000, 7))
    await w.close()
    await p
    expect(await n()).toBe(before + 7)
    await expect(w.write(rows(3000, 1))).rejects.toBeInstanceOf(WriterClosedError)
  })

  it('does not store the same batch twice when it is sent again', async () => {
    const w = new BatchWriter<R>(db, { table: 't', maxRows: 10_000, flushMs: 5 })
    const before = await n()
    await w.write(rows(4000, 3))
    await w.write(rows(4000, 3))
    expect(await n()).toBe(before + 3)
    await w.close()
  })

  it('a batch sent again reaches a materialized view that missed it (a crash between the table\'s part and the view\'s)', async () => {
    // As the first-seen keys of migration 013: a view keeping min() per key over a deduplicating table.
    await db.command({ query: `CREATE TABLE src (k String, v UInt32) ENGINE = MergeTree ORDER BY k SETTINGS non_replicated_deduplication_window = 100` })
    await db.command({ query: `CREATE TABLE firsts (k String, v SimpleAggregateFunction(min, UInt32)) ENGINE = AggregatingMergeTree ORDER BY k` })
    await db.command({ query: `CREATE MATERIALIZED VIEW firsts_mv TO firsts AS SELECT k, v FROM src` })
    const w = new BatchWriter<R>(db, { table: 'src', maxRows: 10_000, flushMs: 5 })
    const count = async (t: string) => Number((await queryRows<{ n: number }>(db, `SELECT count() AS n FROM ${t}${t === 'firsts' ? ' FINAL' : ''}`))[0].n)
    await w.write(rows(6000, 3))
    expect([await count('src'), await count('firsts')]).toEqual([3, 3])
    // The view's part is lost (the process died after the table's part was written, before the view's).
    await db.command({ query: 'TRUNCATE TABLE firsts' })
    // Not acknowledged, so the sender sends the same batch again: the table keeps one copy, the view gets it back.
    await w.write(rows(6000, 3))
    expect([await count('src'), await count('firsts')]).toEqual([3, 3])
    // Sent once more with the view complete: still one row per key.
    await w.write(rows(6000, 3))
    expect([await count('src'), await count('firsts')]).toEqual([3, 3])
    await w.close()
  })

  it('rejects every waiting write when ClickHouse refuses the batch, and refuses past its buffer limit', async () => {
    const w = new BatchWriter<R>(db, { table: 'no_such_table', maxRows: 10, flushMs: 5, retries: 1 })
    const e = await w.write([{ k: 'x', v: 1 }]).catch((x) => x)
    expect(e).toBeInstanceOf(StorageError)
    // The sender is told to resend; the detail (ClickHouse's internals) goes to the log only.
    expect(e.message).toBe('storage unavailable')
    expect(e.detail).toMatch(/no_such_table|UNKNOWN_TABLE|doesn't exist/i)
    expect(w.stats.failures).toBe(1)
    const small = new BatchWriter<R>(db, { table: 't', maxRows: 10, flushMs: 60_000, maxBuffered: 5 })
    await expect(small.write(rows(5000, 6))).rejects.toBeInstanceOf(WriterBusyError)
    await small.close()
  })

  it('stores a changed row with the same key (the token comes from content, not keys)', async () => {
    const w = new BatchWriter<R>(db, { table: 't', maxRows: 10_000, flushMs: 5 })
    await w.write([{ k: 'c1', v: 1 }])
    await w.write([{ k: 'c1', v: 2 }])
    const rows = await queryRows<{ v: number }>(db, `SELECT v FROM t WHERE k = 'c1' ORDER BY v`)
    expect(rows.map((r) => Number(r.v))).toEqual([1, 2])
    await w.close()
  })

  it('isolates rows ClickHouse refuses and stores the others of the same batch, from every caller', async () => {
    const w = new BatchWriter<R>(db, { table: 't', maxRows: 10_000, flushMs: 20 })
    const before = await n()
    // Two callers share one batch; one of them carries a lone surrogate, which JSONEachRow refuses.
    const a = w.write([{ k: 'p1', v: 1 }, { k: 'p2', v: 2, s: 'bad \ud800' }, { k: 'p3', v: 3 }])
    const b = w.write(rows(6000, 20))
    const [oa, ob] = await Promise.all([a, b])
    expect(oa.map((o) => o.ok)).toEqual([true, false, true])
    expect(oa[1]).toMatchObject({ ok: false, reason: expect.stringMatching(/surrogate|escape/i) })
    expect(ob.every((o) => o.ok)).toBe(true)
    expect(await n()).toBe(before + 22)
    expect(w.stats.poisoned).toBe(1)
    await w.close()
  })

  it('inserts rows spanning more than 100 partitions in groups', async () => {
    const w = new BatchWriter<{ k: string; d: string }>(db, { table: 'tm', maxRows: 10_000, flushMs: 5, partitionOf: (r) => r.d.slice(0, 7) })
    const months = Array.from({ length: 142 }, (_, i) => ({ k: `m${i}`, d: `${2014 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}-15` }))
    const out = await w.write(months)
    expect(out.every((o) => o.ok)).toBe(true)
    expect(Number((await queryRows<{ n: number }>(db, 'SELECT count() AS n FROM tm'))[0].n)).toBe(142)
    await w.close()
  })
})
