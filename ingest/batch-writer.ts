// One batched writer per table: rows are buffered and inserted together when the buffer reaches
// maxRows or flushMs after the first buffered row, and again on close(). A write() resolves only
// after ClickHouse accepted every row it handed in, so callers acknowledge nothing that is not stored.
import { createHash } from 'node:crypto'
import type { Db } from '../analytics/clickhouse'

export interface BatchWriterOptions<Row> {
  table: string
  maxRows: number
  flushMs: number
  /** Identity of a row in the source (e.g. platform|source_id|version): names a batch for insert deduplication. */
  keyOf: (row: Row) => string
  /** Rows buffered beyond this are refused (back-pressure) rather than growing memory without bound. */
  maxBuffered?: number
  retries?: number
  log?: { warn: (o: object, m: string) => void; error: (o: object, m: string) => void }
}

interface Ticket { remaining: number; failed: boolean; resolve: () => void; reject: (e: Error) => void }
interface Pending<Row> { row: Row; ticket: Ticket }

export class WriterBusyError extends Error {}
export class WriterClosedError extends Error {}

export class BatchWriter<Row extends Record<string, unknown>> {
  private buffer: Pending<Row>[] = []
  private timer: NodeJS.Timeout | null = null
  private flushing: Promise<void> | null = null
  private closed = false
  readonly stats = { batches: 0, rows: 0, failures: 0, lastFlushMs: 0 }

  constructor(private readonly db: Db, private readonly o: BatchWriterOptions<Row>) {}

  get buffered(): number { return this.buffer.length }

  write(rows: Row[]): Promise<void> {
    if (this.closed) return Promise.reject(new WriterClosedError(`writer for ${this.o.table} is closed`))
    if (rows.length === 0) return Promise.resolve()
    if (this.buffer.length + rows.length > (this.o.maxBuffered ?? 1_000_000))
      return Promise.reject(new WriterBusyError(`ingest buffer for ${this.o.table} is full; retry later`))
    return new Promise<void>((resolve, reject) => {
      const ticket: Ticket = { remaining: rows.length, failed: false, resolve, reject }
      for (const row of rows) this.buffer.push({ row, ticket })
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
    const rows = batch.map((p) => p.row)
    const hash = createHash('sha256')
    for (const r of rows) hash.update(this.o.keyOf(r)).update('\n')
    // The same rows always form the same token, so a retried insert that did land is not stored twice.
    const token = `${this.o.table}:${hash.digest('hex')}`
    const started = Date.now()
    const attempts = (this.o.retries ?? 3) + 1
    let lastError: Error | null = null
    for (let a = 0; a < attempts; a++) {
      try {
        await this.db.insert({ table: this.o.table, values: rows, format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: token } })
        lastError = null
        break
      } catch (e) {
        lastError = e as Error
        this.o.log?.warn({ table: this.o.table, rows: rows.length, attempt: a + 1, err: lastError.message }, 'batch insert failed')
        if (a + 1 < attempts) await new Promise((r) => setTimeout(r, 200 * 4 ** a))
      }
    }
    this.stats.lastFlushMs = Date.now() - started
    if (lastError) {
      this.stats.failures++
      this.o.log?.error({ table: this.o.table, rows: rows.length, err: lastError.message }, 'batch dropped after retries; callers told to resend')
      for (const p of batch) {
        if (!p.ticket.failed) { p.ticket.failed = true; p.ticket.reject(lastError) }
      }
      return
    }
    this.stats.batches++
    this.stats.rows += rows.length
    for (const p of batch) {
      if (--p.ticket.remaining === 0 && !p.ticket.failed) p.ticket.resolve()
    }
  }
}
