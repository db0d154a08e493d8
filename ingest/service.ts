// The ingest path shared by the HTTP endpoints, the import CLI and the simulator:
// split → validate each item → write accepted rows (batched) and quarantine rejected ones →
// answer per item only once ClickHouse has accepted both.
import { randomUUID } from 'node:crypto'
import type { Db } from '../analytics/clickhouse'
import type { IngestResponse } from '../model/api'
import { BatchWriter } from './batch-writer'
import { splitBodyLazy, TooManyLinesError, type BodyItem } from './parse'
import { MappingStore } from './mapping/store'
import { MappingError, type Mapping } from './mapping/schema'
import { mappedItems } from './mapping/source'
import { relocator, monthOf } from './relocate'
import { queryRows } from '../analytics/clickhouse'
import { checkRecord, checkEvent, checkSendScope, itemId, type FieldError, type SendScope } from './validate'
import { recordRow, eventRow, type RecordRow, type EventRow } from './rows'
import { maskText } from './privacy'
import { Reference } from './reference'

export type IngestKind = 'records' | 'events'

interface QuarantineRow extends Record<string, unknown> {
  kind: string; request_id: string; line: number; source_key: string; errors: string; raw: string; sender: string
}

export interface IngestOptions {
  secret: string
  maxRows: number
  flushMs: number
  /** Lines one request may carry; more is refused whole (413). */
  maxLines?: number
  /** The mappings `?mapping=NAME` may name (default: the shipped examples). */
  mappings?: MappingStore
  log?: { warn: (o: object, m: string) => void; error: (o: object, m: string) => void; info: (o: object, m: string) => void }
}

const MAX_RAW = 8000
// A line's answer names at most this many problems, so an answer stays proportional to its request.
const MAX_ERRORS_PER_LINE = 5
// Validation yields to the event loop this often, so health checks and other senders are served meanwhile.
const YIELD_EVERY = 500

export class IngestService {
  readonly records: BatchWriter<RecordRow>
  readonly events: BatchWriter<EventRow>
  readonly quarantine: BatchWriter<QuarantineRow>
  readonly ref = Reference.load()
  readonly totals = { records: 0, events: 0, rejected: 0 }
  readonly mappings: MappingStore

  constructor(private readonly db: Db, private readonly o: IngestOptions) {
    this.mappings = o.mappings ?? new MappingStore()
    const common = { maxRows: o.maxRows, flushMs: o.flushMs, log: o.log }
    this.records = new BatchWriter<RecordRow>(db, {
      ...common, table: 'records', partitionOf: (r) => monthOf(r.received_at),
      prepare: relocator<RecordRow>(db, {
        table: 'records', idColumn: 'source_id', timeColumn: 'received_at',
        key: (r) => [r.platform, r.source_id], time: (r) => r.received_at, version: (r) => r.version,
        tombstone: (r, t) => ({ ...r, received_at: t, is_deleted: 1, title: '', content: '', source_category: '' }),
      }),
    })
    this.events = new BatchWriter<EventRow>(db, {
      ...common, table: 'events', partitionOf: (e) => monthOf(e.at),
      prepare: relocator<EventRow>(db, {
        table: 'events', idColumn: 'event_id', timeColumn: 'at',
        key: (e) => [e.platform, e.event_id], time: (e) => e.at, version: (e) => e.version,
        tombstone: (e, t) => ({ ...e, at: t, is_deleted: 1, note: '' }),
      }),
    })
    this.quarantine = new BatchWriter<QuarantineRow>(db, { ...common, table: 'quarantine' })
  }

  /**
   * Ingests one request body (NDJSON or a JSON array). Answers every line; rejects only if storage
   * failed (then the sender resends the request; re-sends are never doubled).
   */
  async ingest(kind: IngestKind, body: Buffer | string, requestId: string = randomUUID(), scope?: SendScope): Promise<IngestResponse> {
    return this.ingestItems(kind, splitBodyLazy(body, this.o.maxLines ?? Infinity), requestId, scope)
  }

  /**
   * Ingests items already split (and perhaps mapped: ingest/mapping/): each keeps its own line
   * number, and an item carrying `errors` is rejected and quarantined with them.
   */
  async ingestItems(kind: IngestKind, items: (() => BodyItem)[], requestId: string = randomUUID(), scope?: SendScope): Promise<IngestResponse> {
    const results: IngestResponse['results'] = []
    const quarantined: QuarantineRow[] = []
    const accepted: (RecordRow | EventRow)[] = []
    // The item, not its text: a mapped item builds its quarantine text only when asked.
    const acceptedAt: { result: number; item: BodyItem }[] = []
    const idKey = kind === 'records' ? 'source_id' : 'event_id'
    const reject = (item: BodyItem, id: string | null, errors: FieldError[]) => {
      results.push({ line: item.line, id, status: 'rejected', errors: capErrors(errors) })
      quarantined.push(this.quarantineRow(kind, requestId, item.line, id, errors, item.raw, scope?.sender))
    }
    for (let k = 0; k < items.length; k++) {
      if (k % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((r) => setImmediate(r))
      const item = items[k]()
      const id = item.id !== undefined ? item.id : item.parseError ? null : itemId(item.value, idKey)
      if (item.parseError) { reject(item, id, [{ field: '(line)', reason: item.parseError }]); continue }
      if (item.errors?.length) { reject(item, id, item.errors); continue }
      const c = kind === 'records' ? checkRecord(item.value, this.ref) : checkEvent(item.value)
      if (!c.ok) { reject(item, id, c.errors); continue }
      // A source token sends only its own platform and counties; other lines are rejected, the rest stored.
      const outside = scope ? checkSendScope(c.value as { platform: string; county_code?: string }, scope) : []
      if (outside.length) { reject(item, id, outside); continue }
      accepted.push(kind === 'records' ? recordRow(c.value as never, this.o.secret) : eventRow(c.value as never))
      acceptedAt.push({ result: results.length, item })
      results.push({ line: item.line, id, status: 'accepted' })
    }
    // Events carry no county: a sender scoped to counties may send events only for records of those
    // counties that are stored already (an acknowledged record is stored, so send records first).
    if (kind === 'events' && scope && scope.counties !== 'all' && accepted.length) {
      const outside = await this.eventsOutsideCounties(accepted as EventRow[], scope.counties)
      for (let i = accepted.length - 1; i >= 0; i--) {
        const why = outside.get(i)
        if (!why) continue
        const at = acceptedAt[i]
        const r = results[at.result]
        const errors = [{ field: 'record_id', reason: why }]
        results[at.result] = { ...r, status: 'rejected', errors }
        quarantined.push(this.quarantineRow(kind, requestId, r.line, r.id, errors, at.item.raw, scope.sender))
        accepted.splice(i, 1)
        acceptedAt.splice(i, 1)
      }
    }
    const writer = kind === 'records' ? this.records : this.events
    const [outcomes] = await Promise.all([writer.write(accepted as never[]), this.quarantine.write(quarantined)])
    // Lines ClickHouse itself refused (validation should have caught them) are answered and kept like any rejected line.
    const refused: QuarantineRow[] = []
    outcomes.forEach((out, i) => {
      if (out.ok) return
      const r = results[acceptedAt[i].result]
      const errors = [{ field: '(line)', reason: out.reason }]
      results[acceptedAt[i].result] = { ...r, status: 'rejected', errors }
      refused.push(this.quarantineRow(kind, requestId, r.line, r.id, errors, acceptedAt[i].item.raw, scope?.sender))
    })
    await this.quarantine.write(refused)
    const nRejected = quarantined.length + refused.length
    this.totals[kind] += accepted.length - refused.length
    this.totals.rejected += nRejected
    return { accepted: accepted.length - refused.length, rejected: nRejected, request_id: requestId, results }
  }

  /** What ingest would answer for a body (NDJSON or a JSON array), writing nothing: see checkItems. */
  check(kind: IngestKind, body: Buffer | string, requestId: string = randomUUID(), scope?: SendScope): IngestResponse {
    return { ...checkItems(kind, splitBodyLazy(body, this.o.maxLines ?? Infinity).map((f) => f()), this.ref, scope), request_id: requestId }
  }

  /**
   * Ingests a body through a mapping (CSV or NDJSON of a source's own columns). Throws MappingError
   * when the mapping does not fit the body as a whole (a column it names is missing, no header).
   */
  async ingestMapped(kind: IngestKind, body: Buffer | string, mapping: Mapping, format: 'csv' | 'ndjson', requestId: string = randomUUID(), scope?: SendScope, dryRun = false): Promise<IngestResponse> {
    if (mapping.kind !== kind) throw new MappingError(`the mapping maps ${mapping.kind}: send it to /api/ingest/${mapping.kind}`)
    const max = this.o.maxLines ?? Infinity
    const items: BodyItem[] = []
    let n = 0
    for await (const it of mappedItems([body], mapping, format)) {
      if (++n <= max) items.push(it)
      if (n % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r))
    }
    if (n > max) throw new TooManyLinesError(n, max)
    if (dryRun) return { ...checkItems(kind, items, this.ref, scope), request_id: requestId }
    return this.ingestItems(kind, items.map((i) => () => i), requestId, scope)
  }

  /** Index of each event whose record is unknown or in a county outside `counties`, with the reason. */
  private async eventsOutsideCounties(events: EventRow[], counties: readonly string[]): Promise<Map<number, string>> {
    const stored = await queryRows<{ p: string; id: string; county: string }>(this.db,
      `SELECT platform AS p, source_id AS id, county_code AS county FROM records FINAL
       WHERE platform IN {platforms:Array(String)} AND source_id IN {ids:Array(String)}`,
      { platforms: [...new Set(events.map((e) => e.platform))], ids: [...new Set(events.map((e) => e.record_id))] })
    const countyOf = new Map(stored.map((r) => [`${r.p}\u0000${r.id}`, r.county]))
    const out = new Map<number, string>()
    events.forEach((e, i) => {
      const county = countyOf.get(`${e.platform}\u0000${e.record_id}`)
      if (county === undefined) out.set(i, `record ${e.platform}/${e.record_id} is not stored: this token (counties ${counties.join(', ')}) must send the record before its events`)
      else if (!counties.includes(county)) out.set(i, `record ${e.platform}/${e.record_id} is in county ${county}; this token may send only counties ${counties.join(', ')}`)
    })
    return out
  }

  private quarantineRow(kind: string, requestId: string, line: number, id: string | null, errors: FieldError[], raw: string, sender = ''): QuarantineRow {
    return {
      kind, request_id: requestId, line, source_key: id ?? '', sender,
      // Reasons may quote a value (a mapping's unknown category, a bad time): never a phone or ID number in clear.
      errors: maskText(JSON.stringify(capErrors(errors))),
      // Raw text is kept for the operator, but never with a phone or ID number in clear.
      raw: maskText(stripCallerPhone(raw)).slice(0, MAX_RAW),
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.records.close(), this.events.close(), this.quarantine.close()])
  }
}

function capErrors(errors: FieldError[]): FieldError[] {
  if (errors.length <= MAX_ERRORS_PER_LINE) return errors
  return [...errors.slice(0, MAX_ERRORS_PER_LINE), { field: '(line)', reason: `and ${errors.length - MAX_ERRORS_PER_LINE} more problems` }]
}

/** The caller_phone field of a raw line is replaced wholesale: its format may defeat the text masks. */
function stripCallerPhone(raw: string): string {
  return raw.replace(/("caller_phone"\s*:\s*)("(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*)/g, '$1"***"')
}

/**
 * What ingest would answer for these items, without writing anything (`--dry-run`): the same
 * validation as ingestItems, without storage (so without the checks only storage can make: ClickHouse
 * refusing a row, and a county-scoped token's events).
 */
export function checkItems(kind: IngestKind, items: BodyItem[], ref: Reference, scope?: SendScope): IngestResponse {
  const results: IngestResponse['results'] = []
  const idKey = kind === 'records' ? 'source_id' : 'event_id'
  let accepted = 0
  for (const item of items) {
    const id = item.id !== undefined ? item.id : item.parseError ? null : itemId(item.value, idKey)
    let errors: FieldError[] | undefined
    if (item.parseError) errors = [{ field: '(line)', reason: item.parseError }]
    else if (item.errors?.length) errors = item.errors
    else {
      const c = kind === 'records' ? checkRecord(item.value, ref) : checkEvent(item.value)
      if (!c.ok) errors = c.errors
      else if (scope) { const o = checkSendScope(c.value as { platform: string; county_code?: string }, scope); if (o.length) errors = o }
    }
    if (errors) results.push({ line: item.line, id, status: 'rejected', errors: capErrors(errors) })
    else { accepted++; results.push({ line: item.line, id, status: 'accepted' }) }
  }
  return { accepted, rejected: results.length - accepted, results }
}
