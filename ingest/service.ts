// The ingest path shared by the HTTP endpoints, the import CLI and the simulator:
// split → validate each item → write accepted rows (batched) and quarantine rejected ones →
// answer per item only once ClickHouse has accepted both.
import { randomUUID } from 'node:crypto'
import type { Db } from '../analytics/clickhouse'
import type { IngestResponse } from '../model/api'
import { BatchWriter } from './batch-writer'
import { splitBody } from './parse'
import { checkRecord, checkEvent, itemId, type FieldError } from './validate'
import { recordRow, eventRow, type RecordRow, type EventRow } from './rows'
import { maskText } from './privacy'
import { Reference } from './reference'

export type IngestKind = 'records' | 'events'

interface QuarantineRow extends Record<string, unknown> {
  kind: string; request_id: string; line: number; source_key: string; errors: string; raw: string
}

export interface IngestOptions {
  secret: string
  maxRows: number
  flushMs: number
  log?: { warn: (o: object, m: string) => void; error: (o: object, m: string) => void; info: (o: object, m: string) => void }
}

const MAX_RAW = 8000

export class IngestService {
  readonly records: BatchWriter<RecordRow>
  readonly events: BatchWriter<EventRow>
  readonly quarantine: BatchWriter<QuarantineRow>
  readonly ref = Reference.load()
  readonly totals = { records: 0, events: 0, rejected: 0 }

  constructor(db: Db, private readonly o: IngestOptions) {
    const common = { maxRows: o.maxRows, flushMs: o.flushMs, log: o.log }
    this.records = new BatchWriter<RecordRow>(db, { ...common, table: 'records', keyOf: (r) => `${r.platform}|${r.source_id}|${r.version}` })
    this.events = new BatchWriter<EventRow>(db, { ...common, table: 'events', keyOf: (e) => `${e.platform}|${e.event_id}` })
    this.quarantine = new BatchWriter<QuarantineRow>(db, { ...common, table: 'quarantine', keyOf: (q) => `${q.request_id}|${q.line}` })
  }

  /** Ingests one request body (NDJSON or a JSON array). Rejects only if storage failed: then nothing is acknowledged. */
  async ingest(kind: IngestKind, body: string, requestId: string = randomUUID()): Promise<IngestResponse> {
    const items = splitBody(body)
    const results: IngestResponse['results'] = []
    const quarantined: QuarantineRow[] = []
    const accepted: (RecordRow | EventRow)[] = []
    const idKey = kind === 'records' ? 'source_id' : 'event_id'
    for (const item of items) {
      const id = item.parseError ? null : itemId(item.value, idKey)
      let errors: FieldError[]
      if (item.parseError) errors = [{ field: '(line)', reason: item.parseError }]
      else {
        const c = kind === 'records' ? checkRecord(item.value, this.ref) : checkEvent(item.value)
        if (c.ok) {
          accepted.push(kind === 'records' ? recordRow(c.value as never, this.o.secret) : eventRow(c.value as never))
          results.push({ line: item.line, id, status: 'accepted' })
          continue
        }
        errors = c.errors
      }
      results.push({ line: item.line, id, status: 'rejected', errors })
      quarantined.push({
        kind, request_id: requestId, line: item.line, source_key: id ?? '',
        errors: JSON.stringify(errors),
        // Raw text is kept for the operator, but never with a phone or ID number in clear.
        raw: maskText(stripCallerPhone(item.raw)).slice(0, MAX_RAW),
      })
    }
    const writer = kind === 'records' ? this.records : this.events
    await Promise.all([writer.write(accepted as never[]), this.quarantine.write(quarantined)])
    this.totals[kind] += accepted.length
    this.totals.rejected += quarantined.length
    return { accepted: accepted.length, rejected: quarantined.length, results }
  }

  async close(): Promise<void> {
    await Promise.all([this.records.close(), this.events.close(), this.quarantine.close()])
  }
}

/** The caller_phone field of a raw line is replaced wholesale: its format may defeat the text masks. */
function stripCallerPhone(raw: string): string {
  return raw.replace(/("caller_phone"\s*:\s*)("(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*)/g, '$1"***"')
}
