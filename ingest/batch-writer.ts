// One batched writer per table: rows are buffered and inserted together when the buffer reaches
// maxRows or flushMs after the first buffered row, and again on close(). A write() resolves only
// after ClickHouse accepted every row it handed in, so callers acknowledge nothing that is not stored.
//
// A row ClickHouse cannot parse must not sink the rows beside it: when an insert fails with a data
// error, the batch is split in halves until the poisoned rows are alone; those are answered as
// rejected with ClickHouse's reason and the rest is stored. Storage being down fails the whole batch.
import { createHash } from 'node:crypto'
import type { Db } from '../analytics/clickhouse'
import { isDataError, storageReason } from '../analytics/errors'

/** What became of one row handed to write(): stored (or superseded, which is as good), or refused as data. */
export type RowOutcome = { ok: true } | { ok: false; reason: string }

/** Rows to insert after `prepare`: stale rows dropped (index set) and extra rows (tombstones) stored after the others. */
export interface Prepared<Row> { skip: Set<number>; after: (stored: boolean[]) => Row[] }

export interface BatchWriterOptions<Row> {
  table: string
  maxRows: number
  flushMs: number
  /** Partition of a row as the table computes it: one insert touches at most MAX_PARTITIONS of them. */
  partitionOf?: (row: Row) => string
  /** Looks at stored rows before an insert (e.g. rows that moved partition); see ingest/relocate.ts. */
  prepare?: (rows: Row[]) => Promise<Prepared<Row>>
  /** Rows buffered beyond this are refused (back-pressure) rather than growing memory without bound. */
  maxBuffered?: number
  retries?: number
  log?: { warn: (o: object, m: string) => void; error: (o: object, m: string) => void }
}

interface Ticket { outcomes: RowOutcome[]; remaining: number; failed: boolean; resolve: (o: RowOutcome[]) => void; reject: (e: Error) => void }
interface Pending<Row> { row: Row; ticket: Ticket; index: number }

export class WriterBusyError extends Error {}
export class WriterClosedError extends Error {}
/** Storage refused or could not be reached; `detail` is for the log, not for the sender. */
export class StorageError extends Error {
  constructor(readonly detail: string) { super('storage unavailable') }
}

// ClickHouse's max_partitions_per_insert_block defaults to 100: years of history are inserted in groups.
export const MAX_PARTITIONS = 100

export class BatchWriter<Row extends Record<string, unknown>> {
  private buffer: Pending<Row>[] = []
  private timer: NodeJS.Timeout | null = null
  private flushing: Promise<void> | null = null
  private closed = false
  readonly stats = { batches: 0, rows: 0, failures: 0, poisoned: 0, skipped: 0, lastFlushMs: 0, prepareMs: 0, insertMs: 0 }

  constructor(private readonly db: Db, private readonly o: BatchWriterOptions<Row>) {}

  get buffered(): number { return this.buffer.length }

  /** Resolves with one outcome per row once every row is stored or refused; rejects if storage failed. */
  write(rows: Row[]): Promise<RowOutcome[]> {
    if (this.closed) return Promise.reject(new WriterClosedError(`writer for ${this.o.table} is closed`))
    if (rows.length === 0) return Promise.resolve([])
    if (this.buffer.length + rows.length > (this.o.maxBuffered ?? 1_000_000))
      return Promise.reject(new WriterBusyError(`ingest buffer for ${this.o.table} is full; retry later`))
    return new Promise<RowOutcome[]>((resolve, reject) => {
      const ticket: Ticket = { outcomes: new Array(rows.length), remaining: rows.length, failed: false, resolve, reject }
      rows.forEach((row, index) => this.buffer.push({ row, ticket, index }))
      if (this.buffer.length >= this.o.maxRows) this.kick()
      else this.timer ??= setTimeout(() => this.kick(), this.o.flushMs)
    })
  }

  /** Inserts everything buffered now and waits for it. */
  async flush(): Promise<void> {
    while (this.buffer.length > 0 || this.flushing) {
      this.kick()
      await this.flushing
    }
  }

  async close(): Promise<void> {
    this.closed = true
    await this.flush()
  }

  private kick(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = null }
    if (this.flushing || this.buffer.length === 0) return
    this.flushing = this.drain().finally(() => {
      this.flushing = null
      // Rows that arrived during the insert: flush at once if a full batch waits, else on the timer.
      if (this.buffer.length >= this.o.maxRows) this.kick()
      else if (this.buffer.length > 0) this.timer ??= setTimeout(() => this.kick(), this.o.flushMs)
    })
  }

  private async drain(): Promise<void> {
    const batch = this.buffer.splice(0, this.o.maxRows)
    const started = Date.now()
    const outcomes: RowOutcome[] = new Array(batch.length)
    try {
      const t0 = performance.now()
      const prepared = this.o.prepare ? await this.withRetry(() => this.o.prepare!(batch.map((p) => p.row))) : null
      this.stats.prepareMs += performance.now() - t0
      const live = batch.map((_, i) => i).filter((i) => !prepared?.skip.has(i))
      for (const i of prepared?.skip ?? []) outcomes[i] = { ok: true }
      this.stats.skipped += prepared?.skip.size ?? 0
      for (const group of this.partitionGroups(live.map((i) => batch[i].row))) {
        const reasons = await this.insertIsolating(group.map((g) => live[g]).map((i) => batch[i].row))
        group.forEach((g, k) => { outcomes[live[g]] = reasons[k] === null ? { ok: true } : { ok: false, reason: reasons[k]! } })
      }
      if (prepared) {
        const after = prepared.after(batch.map((_, i) => outcomes[i]?.ok === true && !prepared.skip.has(i)))
        for (const group of this.partitionGroups(after)) await this.insertAll(group.map((g) => after[g]))
      }
    } catch (e) {
      this.stats.failures++
      const err = e instanceof StorageError ? e : new StorageError((e as Error).message)
      this.o.log?.error({ table: this.o.table, rows: batch.length, err: err.detail }, 'batch not stored; callers told to resend')
      for (const p of batch) if (!p.ticket.failed) { p.ticket.failed = true; p.ticket.reject(err) }
      return
    } finally {
      this.stats.lastFlushMs = Date.now() - started
    }
    this.stats.batches++
    for (const [i, p] of batch.entries()) {
      const out = outcomes[i]
      if (out.ok) this.stats.rows++
      else this.stats.poisoned++
      p.ticket.outcomes[p.index] = out
      if (--p.ticket.remaining === 0 && !p.ticket.failed) p.ticket.resolve(p.ticket.outcomes)
    }
  }

  /** Index groups of rows spanning at most MAX_PARTITIONS partitions each. */
  private partitionGroups(rows: Row[]): number[][] {
    if (!this.o.partitionOf) return rows.length ? [rows.map((_, i) => i)] : []
    const byPart = new Map<string, number[]>()
    rows.forEach((r, i) => {
      const p = this.o.partitionOf!(r)
      const list = byPart.get(p)
      if (list) list.push(i)
      else byPart.set(p, [i])
    })
    const parts = [...byPart.values()]
    const groups: number[][] = []
    for (let i = 0; i < parts.length; i += MAX_PARTITIONS) groups.push(parts.slice(i, i + MAX_PARTITIONS).flat())
    return groups
  }

  /** Inserts rows; on a data error splits them to find the rows ClickHouse refuses. One reason (or null) per row. */
  private async insertIsolating(rows: Row[]): Promise<(string | null)[]> {
    try {
      await this.insertAll(rows)
      return rows.map(() => null)
    } catch (e) {
      if (!isDataError(e)) throw e
      if (rows.length === 1) {
        this.o.log?.warn({ table: this.o.table, err: (e as Error).message.slice(0, 500) }, 'row refused by ClickHouse')
        return [storageReason(e)]
      }
      const mid = rows.length >> 1
      return [...(await this.insertIsolating(rows.slice(0, mid))), ...(await this.insertIsolating(rows.slice(mid)))]
    }
  }

  /** One insert, retried while storage is unreachable. Data errors are thrown at once: retrying cannot help. */
  private insertAll(rows: Row[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve()
    // The token comes from the rows' content: an identical re-send is dropped, any change is stored,
    // and a retried insert that did land is not stored twice.
    const hash = createHash('sha256').update(this.o.table)
    for (const r of rows) hash.update('\n').update(JSON.stringify(r))
    const token = `${this.o.table}:${hash.digest('hex')}`
    const t0 = performance.now()
    // A retry whose block the table already holds (it landed, then the process died or the answer was
    // lost) still reaches the materialized views that had not taken it (a crash can fall between the
    // table's part and a view's). With this setting off (the default of older ClickHouse servers) a
    // deduplicated block skips every dependent view, and the detect job's first-seen keys and digests
    // (record_keys, record_digests) would miss it for good; set explicitly, as embedded and server differ.
    // Their tables keep min() aggregates, so a block they did take once is harmless twice.
    return this.withRetry(() => this.db.insert({
      table: this.o.table, values: rows, format: 'JSONEachRow',
      clickhouse_settings: { insert_deduplication_token: token, deduplicate_blocks_in_dependent_materialized_views: 1 },
    }).then(() => undefined)).finally(() => { this.stats.insertMs += performance.now() - t0 })
  }

  private async withRetry<T>(f: () => Promise<T>): Promise<T> {
    const attempts = (this.o.retries ?? 3) + 1
    for (let a = 0; ; a++) {
      try {
        return await f()
      } catch (e) {
        if (isDataError(e) || a + 1 >= attempts) throw e
        this.o.log?.warn({ table: this.o.table, attempt: a + 1, err: (e as Error).message.slice(0, 500) }, 'storage call failed; retrying')
        await new Promise((r) => setTimeout(r, 200 * 4 ** a))
      }
    }
  }
}
