// Metric rollups: per day, the counts behind every metric that reads only its own row (all but the
// extended ones, MetricParams.extended), summed by platform × county × street × unit × category ×
// channel — records by the day they were received, events by the day they happened, placed by their
// sending record. Metric queries sum these rows for the days whose rollup still equals raw and read
// the other days (changed since, or cut by the window's edges) raw, in one query, so every answer is
// what raw rows give (test/rollup.test.ts, `npm run bench:query`).
//
// as_of: a record can be judged differently at another as_of only while as_of has not passed all of
// its limits (Rollups.settleSql). A day's rollup holds the records settled when it was computed, judged
// then; its unsettled records are copied as they are into a pending table and judged at each
// query's as_of. So a day serves any as_of after its latest settled record's limits (settled_max).
//
// Staleness: migration 019's change counters; a day is used only while its counters are those it
// was computed from. Each fingerprint (definitions and settings) has its own tables, created here.
import { createHash } from 'node:crypto'
import type { Db } from '../clickhouse'
import { queryRows } from '../clickhouse'
import { metricDefs, recordDerived, recordsSource, metricEventsSource, asOfInstants, TRANSFER_OUT, AS_OF, type MetricDef, type MetricParams } from './definitions'
import { chTime } from '../../ingest/rows'
import { shanghaiDayStart } from './window'

export const ROLLUP_DIMS = ['platform', 'county_code', 'town_code', 'unit_code', 'category_code', 'channel'] as const
/** The tables' layout: a change gives new tables (through the fingerprint), never a mix with old rows. */
const LAYOUT = 3
const EPOCH = "toDateTime64(0, 3, 'Asia/Shanghai')"
/** `x` (definition SQL) judged at the instant `when` instead of {as_of}. */
const at = (x: string, when: string) => x.split(AS_OF).join(`(${when})`)
/** The dims of the coarse rollup tables. */
export const COARSE_DIMS = ['platform', 'county_code'] as const
const DAY = 86_400_000
const T64 = "DateTime64(3, 'Asia/Shanghai')"

/** A metric column's SQL parts: its name and the per-row value (count: 0/1, sum: the summed value). */
function rowValues(d: MetricDef): { col: string; value: string }[] {
  return [
    { col: `${d.id}__n`, value: d.sum ? `if(${d.num}, ${d.sum}, 0)` : `if(${d.num}, 1, 0)` },
    ...(d.den ? [{ col: `${d.id}__d`, value: `if(${d.den}, 1, 0)` }] : []),
    ...(d.coverage ? [{ col: `${d.id}__nr`, value: `if(${d.coverage.not_recorded}, 1, 0)` }, { col: `${d.id}__p`, value: `if(${d.coverage.pending}, 1, 0)` }] : []),
  ]
}

/**
 * The one instant a definition judged at as_of compares as_of with (asOfInstants). Its judgement of a
 * record is then one value before that instant and another from it on: the pending copy keeps both.
 */
export function asOfInstantOf(d: MetricDef, instants: string[]): string {
  const sql = [d.num, d.den, d.coverage?.not_recorded, d.coverage?.pending].filter(Boolean).join(' ')
  const found = instants.filter((x) => sql.includes(`${x} <= ${AS_OF}`) || sql.includes(`${x} > ${AS_OF}`))
  if (found.length !== 1) throw new Error(`rollups: ${d.id} compares as_of with ${found.length} instants; a pending record must change at one (see asOfInstants)`)
  return found[0]
}

/** Whether a definition's judgement depends on as_of (its SQL compares with it). */
export const judgedAsOf = (d: MetricDef): boolean => [d.num, d.den, d.coverage?.not_recorded, d.coverage?.pending].some((x) => !!x && x.includes(AS_OF))

/** SELECT-list items of one part of a union: plain counts and sums as Int64, distinct counts as uniqExact states. */
export function partColumns(defs: MetricDef[]): string {
  return defs.flatMap((d) => [
    d.distinct ? `uniqExactStateIf(toString(${d.distinct}), ${d.num}) AS ${d.id}__n` : d.sum ? `toInt64(sumIf(${d.sum}, ${d.num})) AS ${d.id}__n` : `toInt64(countIf(${d.num})) AS ${d.id}__n`,
    ...(d.den ? [`toInt64(countIf(${d.den})) AS ${d.id}__d`] : []),
    ...(d.coverage ? [`toInt64(countIf(${d.coverage.not_recorded})) AS ${d.id}__nr`, `toInt64(countIf(${d.coverage.pending})) AS ${d.id}__p`] : []),
  ]).join(',\n  ')
}

/** The union's parts added up: the same column names aggregateColumns() gives. */
export function sumColumns(defs: MetricDef[]): string {
  return defs.flatMap((d) => [
    d.distinct ? `uniqExactMerge(${d.id}__n) AS ${d.id}__n` : `sum(${d.id}__n) AS ${d.id}__n`,
    ...(d.den ? [`sum(${d.id}__d) AS ${d.id}__d`] : []),
    ...(d.coverage ? [`sum(${d.id}__nr) AS ${d.id}__nr`, `sum(${d.id}__p) AS ${d.id}__p`] : []),
  ]).join(',\n  ')
}

function columnTypes(defs: MetricDef[]): string {
  return defs.flatMap((d) => [
    `${d.id}__n ${d.distinct ? 'AggregateFunction(uniqExact, String)' : 'Int64'}`,
    ...(d.den ? [`${d.id}__d Int64`] : []),
    ...(d.coverage ? [`${d.id}__nr Int64`, `${d.id}__p Int64`] : []),
  ]).join(',\n  ')
}

/**
 * Every event metric counts transfers out only (each condition starts with TRANSFER_OUT), so events
 * are read as transfers: other events add zeros and nothing else. Checked, not assumed.
 */
export const transfersOnly = (defs: MetricDef[]): boolean =>
  defs.filter((d) => d.source === 'events').every((d) =>
    [d.num, d.den, d.coverage?.not_recorded].every((x) => !x || x.startsWith(TRANSFER_OUT) || /^platform = '\w+' AND /.test(x) && x.includes(`AND ${TRANSFER_OUT}`))
    && (!d.coverage || d.coverage.pending === '0' || d.coverage.pending.startsWith(TRANSFER_OUT) || d.coverage.pending.includes(`AND ${TRANSFER_OUT}`)))

export type RollupSource = 'records' | 'events'
const SOURCES: RollupSource[] = ['records', 'events']
export interface UsableDay { day: string; computed_at: string; /** records rows left pending (records only) */ pending?: number }
interface Meta { source: string; day: string; pending: number; computed_at: string; basis: string; rec_days: string[]; rec_basis: string; rec_global: string }

export class Rollups {
  readonly base: MetricParams
  readonly recDefs: MetricDef[]
  readonly evDefs: MetricDef[]
  readonly fp: string
  readonly recTable: string
  readonly evTable: string
  /** The same by day × platform × county only: what overview, by-region and series need (a year is ~30 rows a day instead of ~1000). */
  readonly recCoarse: string
  readonly evCoarse: string
  readonly pendingTable: string
  readonly transfersOnly: boolean
  /** Record metrics judged at as_of, each with the instant it compares as_of with. */
  readonly asOfDefs: { def: MetricDef; instant: string }[]
  private ready: Promise<void> | null = null

  constructor(readonly db: Db, p: MetricParams) {
    this.base = { ...p, extended: false, targets: undefined }
    const defs = metricDefs(this.base)
    this.recDefs = defs.filter((d) => d.source === 'records')
    this.evDefs = defs.filter((d) => d.source === 'events')
    this.transfersOnly = transfersOnly(this.evDefs)
    this.asOfDefs = this.recDefs.filter(judgedAsOf).map((d) => ({ def: d, instant: asOfInstantOf(d, asOfInstants(this.base)) }))
    this.fp = createHash('sha256').update(JSON.stringify({
      rec: partColumns(this.recDefs), ev: partColumns(this.evDefs), derived: recordDerived(this.base), settle: this.settleSql(),
      events: metricEventsSource(this.base), transfersOnly: this.transfersOnly, layout: LAYOUT,
    })).digest('hex').slice(0, 12)
    this.recTable = `rollup_records_${this.fp}`
    this.evTable = `rollup_events_${this.fp}`
    this.recCoarse = `rollup_recordsc_${this.fp}`
    this.evCoarse = `rollup_eventsc_${this.fp}`
    this.pendingTable = `rollup_pending_${this.fp}`
  }

  /** This fingerprint's tables (idempotent). */
  ensureTables(): Promise<void> {
    this.ready ??= (async () => {
      const dims = ROLLUP_DIMS.map((c) => `${c} LowCardinality(String)`).join(', ')
      await this.db.command({ query: `CREATE TABLE IF NOT EXISTS ${this.recTable} (day Date, computed_at ${T64}, ${dims},
        ${columnTypes(this.recDefs)}) ENGINE = MergeTree ORDER BY (day, computed_at, platform, county_code)` })
      await this.db.command({ query: `CREATE TABLE IF NOT EXISTS ${this.evTable} (day Date, computed_at ${T64}, ${dims},
        ${columnTypes(this.evDefs)}) ENGINE = MergeTree ORDER BY (day, computed_at, platform, county_code)` })
      for (const [t, defs] of [[this.recCoarse, this.recDefs], [this.evCoarse, this.evDefs]] as const)
        await this.db.command({ query: `CREATE TABLE IF NOT EXISTS ${t} (day Date, computed_at ${T64}, ${COARSE_DIMS.map((c) => `${c} LowCardinality(String)`).join(', ')},
          ${columnTypes(defs)}) ENGINE = MergeTree ORDER BY (day, computed_at, platform, county_code)` })
      // Unsettled records, one row each: per metric judged at as_of, its instant (x_<id>) and each
      // column's value before it (__b) and from it on (__a).
      const pending = this.asOfDefs.flatMap(({ def }) => [`x_${def.id} Nullable(${T64})`,
        ...rowValues(def).flatMap((v) => [`${v.col}__b Int64`, `${v.col}__a Int64`])]).join(',\n  ')
      await this.db.command({ query: `CREATE TABLE IF NOT EXISTS ${this.pendingTable} (day Date, computed_at ${T64}, received_at ${T64}, ${dims},
        ${pending}) ENGINE = MergeTree ORDER BY (day, computed_at, platform, county_code)` })
    })().catch((e) => { this.ready = null; throw e })
    return this.ready
  }

  /** The events the event metrics read, as raw: transfers only when that changes nothing (transfersOnly). */
  eventsSource(where = '1'): string {
    return metricEventsSource(this.base, this.transfersOnly ? `type = 'transfer' AND (${where})` : where)
  }

  /**
   * The days in [from, to) whose rollups equal raw for this window and as_of, per source: computed
   * under this fingerprint, counters unchanged since, every row inside the window, and (records) its
   * settled records' limits all passed by as_of.
   */
  async usableDays(from: number, to: number, asOf: number): Promise<{ records: UsableDay[]; events: UsableDay[]; empty: string[] }> {
    const lo = chTime(shanghaiDayStart(from)).slice(0, 10), hi = chTime(to - 1).slice(0, 10)
    const [meta, counters] = await Promise.all([
      this.meta('day BETWEEN {lo:Date} AND {hi:Date}', { lo, hi, from: chTime(from), to: chTime(to), as_of: chTime(asOf) },
        `ifNull(min_at >= {from:${T64}} AND max_at < {to:${T64}}, 1) AS in_window, ifNull(settled_max <= {as_of:${T64}}, 1) AS settled_ok`),
      this.counters(),
    ])
    const out = { records: [] as UsableDay[], events: [] as UsableDay[], empty: [] as string[] }
    // Days nothing was ever stored for need no reading at all.
    for (let d = shanghaiDayStart(from); d < to; d += DAY) {
      const day = chTime(d).slice(0, 10)
      if (!counters.days.has(day)) out.empty.push(day)
    }
    for (const m of meta) {
      if (!Number(m.in_window) || !counters.current(m)) continue
      if (m.source === 'records' && Number(m.settled_ok)) out.records.push({ day: m.day, computed_at: m.computed_at, pending: Number(m.pending) })
      if (m.source === 'events') out.events.push({ day: m.day, computed_at: m.computed_at })
    }
    return out
  }

  /** Days with data whose rollup is missing or no longer equals raw, latest first, with the sources to compute. */
  async staleDays(): Promise<{ day: string; sources: RollupSource[] }[]> {
    const [meta, counters] = await Promise.all([this.meta('1', {}, '1 AS in_window, 1 AS settled_ok'), this.counters()])
    const ok = new Set(meta.filter((m) => counters.current(m)).map((m) => `${m.day}|${m.source}`))
    return [...counters.days].sort().reverse()
      .map((day) => ({ day, sources: SOURCES.filter((s) => !ok.has(`${day}|${s}`)) }))
      .filter((d) => d.sources.length > 0)
  }

  private async meta(where: string, params: Record<string, unknown>, extra: string) {
    // (day_s: an alias `day` would stand for the column in `where`)
    const rows = await queryRows<Omit<Meta, 'day'> & { day_s: string; in_window: number; settled_ok: number }>(this.db,
      `SELECT source, toString(day) AS day_s, toString(computed_at) AS computed_at, toString(basis) AS basis, pending, rec_days, toString(rec_basis) AS rec_basis,
         toString(rec_global) AS rec_global, ${extra}
       FROM rollup_days FINAL WHERE fp = {fp:String} AND ${where}`, { fp: this.fp, ...params })
    return rows.map((r) => ({ ...r, day: r.day_s }))
  }

  /** The change counters now, and whether a computation's basis still matches them (migration 019). */
  private async counters(): Promise<{ days: Set<string>; current: (m: Meta) => boolean }> {
    // (one query: each costs a few milliseconds however small)
    const both = await queryRows<{ s: string; day: string; n: string }>(this.db,
      `SELECT 'r' AS s, toString(day) AS day, toString(sum(rows)) AS n FROM record_day_changes GROUP BY day
       UNION ALL SELECT 'e' AS s, toString(day) AS day, toString(sum(rows)) AS n FROM event_day_changes GROUP BY day`)
    const recCounts = both.filter((x) => x.s === 'r'), evCounts = both.filter((x) => x.s === 'e')
    const rec = new Map(recCounts.map((r) => [r.day, BigInt(r.n)]))
    const recAll = recCounts.reduce((s, r) => s + BigInt(r.n), 0n)
    // Events: the counters of every day up to each day (days sort as strings).
    const evSorted = evCounts.map((r) => [r.day, BigInt(r.n)] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1))
    const cum: [string, bigint][] = []
    let run = 0n
    for (const [d, n] of evSorted) cum.push([d, (run += n)])
    const evUpTo = (day: string) => { let lo = 0, hi = cum.length; while (lo < hi) { const mid = (lo + hi) >> 1; if (cum[mid][0] <= day) lo = mid + 1; else hi = mid } return lo ? cum[lo - 1][1] : 0n }
    return {
      days: new Set([...rec.keys(), ...evSorted.map(([d]) => d)]),
      current: (m) => m.source === 'records'
        ? (rec.get(m.day) ?? 0n) === BigInt(m.basis)
        : evUpTo(m.day) === BigInt(m.basis) && m.rec_days.reduce((s, d) => s + (rec.get(String(d)) ?? 0n), 0n) === BigInt(m.rec_basis)
          && (BigInt(m.rec_global) === 0n || recAll + 1n === BigInt(m.rec_global)),
    }
  }

  /** Computes one Shanghai day (its start, ms) at `now`, of the given sources, then commits it. */
  async computeDay(dayStart: number, now: number, sources: RollupSource[] = SOURCES): Promise<void> {
    await this.ensureTables()
    const day = chTime(dayStart).slice(0, 10)
    const params = { from: chTime(dayStart), to: chTime(dayStart + DAY), as_of: chTime(now), c: chTime(now), rep_from: chTime(dayStart), day }
    const dims = ROLLUP_DIMS.join(', ')
    // (a column of the source below: the expression is long, and it is used in every rolled-up column)
    const settle = 'settle_at'
    // Counters first: whatever the reads below see is at least as new as these.
    const [recCounts, [{ evBasis }]] = await Promise.all([
      queryRows<{ day: string; n: string }>(this.db, 'SELECT toString(day) AS day, toString(sum(rows)) AS n FROM record_day_changes GROUP BY day'),
      queryRows<{ evBasis: string }>(this.db, 'SELECT toString(sum(rows)) AS evBasis FROM event_day_changes WHERE day <= {day:Date}', params),
    ])
    const recCount = new Map(recCounts.map((r) => [r.day, BigInt(r.n)]))
    const commits: Record<string, unknown>[] = []
    if (sources.includes('records')) {
      const recSrc = `(SELECT *, ${this.settleSql()} AS settle_at FROM ${recordsSource(this.base, '1')})`
      // Every record counts in the metrics as_of cannot change; only settled ones in those it can
      // (the unsettled ones are judged at each query's as_of from the pending copy).
      const settled = (x: string) => `(${x}) AND ${settle} <= {as_of:${T64}}`
      const rolled = this.recDefs.map((d) => judgedAsOf(d) ? { ...d, num: settled(d.num), ...(d.den ? { den: settled(d.den) } : {}),
        ...(d.coverage ? { coverage: { not_recorded: settled(d.coverage.not_recorded), pending: settled(d.coverage.pending) } } : {}) } : d)
      await this.db.command({ query: `INSERT INTO ${this.recTable}
        SELECT toDate(received_at) AS day, {c:${T64}} AS computed_at, ${dims}, ${partColumns(rolled)}
        FROM ${recSrc} AS rs GROUP BY day, ${dims}`, query_params: params })
      await this.coarsen(this.recTable, this.recCoarse, this.recDefs, params)
      const pendingCols = this.asOfDefs.flatMap(({ def, instant }) => [`${instant} AS x_${def.id}`,
        ...rowValues(def).flatMap((v) => [`toInt64(${at(v.value, `${instant} - toIntervalMillisecond(1)`)}) AS ${v.col}__b`, `toInt64(${at(v.value, instant)}) AS ${v.col}__a`])])
      await this.db.command({ query: `INSERT INTO ${this.pendingTable}
        SELECT toDate(received_at) AS day, {c:${T64}} AS computed_at, received_at, ${dims}, ${pendingCols.join(', ')}
        FROM ${recSrc} AS rs WHERE ${settle} > {as_of:${T64}}`, query_params: params })
      const [rs] = await queryRows<{ settled_max: string | null; min_at: string | null; max_at: string | null; pending: string }>(this.db,
        `SELECT toString(countIf(${settle} > {as_of:${T64}})) AS pending, if(countIf(${settle} <= {as_of:${T64}}) = 0, NULL, toString(maxIf(${settle}, ${settle} <= {as_of:${T64}}))) AS settled_max,
           if(count() = 0, NULL, toString(min(received_at))) AS min_at, if(count() = 0, NULL, toString(max(received_at))) AS max_at
         FROM ${recSrc} AS rs`, params)
      commits.push({ fp: this.fp, source: 'records', day, computed_at: params.c, basis: (recCount.get(day) ?? 0n).toString(),
        settled_max: rs?.settled_max ?? null, min_at: rs?.min_at ?? null, max_at: rs?.max_at ?? null, pending: rs?.pending ?? '0', rec_days: [], rec_basis: 0, rec_global: 0 })
    }
    if (sources.includes('events')) {
      // Events, placed by their sending record's fields ('' when it is not stored).
      const placed = this.placedEventRows("''")
      await this.db.command({ query: `INSERT INTO ${this.evTable}
        SELECT toDate(at) AS day, {c:${T64}} AS computed_at, ${dims}, ${partColumns(this.evDefs)}
        FROM ${placed} AS pe GROUP BY day, ${dims}`, query_params: params })
      await this.coarsen(this.evTable, this.evCoarse, this.evDefs, params)
      const [es] = await queryRows<{ rec_days: string[]; orphans: string; min_at: string | null; max_at: string | null }>(this.db,
        `SELECT groupUniqArrayIf(toString(toDate(sender_received_at)), sender_received_at IS NOT NULL) AS rec_days, toString(countIf(sender_received_at IS NULL)) AS orphans,
           if(count() = 0, NULL, toString(min(at))) AS min_at, if(count() = 0, NULL, toString(max(at))) AS max_at
         FROM ${placed} AS pe`, params)
      const recDays = es?.rec_days ?? []
      const recDaysBasis = recDays.reduce((x, d) => x + (recCount.get(d) ?? 0n), 0n)
      // A sending record not stored yet may arrive on any day: then any record at all makes the day stale.
      const recGlobal = Number(es?.orphans ?? 0) > 0 ? [...recCount.values()].reduce((x, n) => x + n, 1n) : 0n // (+1: 0 means none missing)
      commits.push({ fp: this.fp, source: 'events', day, computed_at: params.c, basis: evBasis, settled_max: null, pending: 0, min_at: es?.min_at ?? null, max_at: es?.max_at ?? null,
        rec_days: recDays, rec_basis: recDaysBasis.toString(), rec_global: recGlobal.toString() })
    }
    if (commits.length) await this.db.insert({ table: 'rollup_days', format: 'JSONEachRow', values: commits })
  }

  /**
   * When a record's judgement stops depending on as_of: the latest instant of a metric judged at
   * as_of whose value differs before and from that instant (the epoch when none does). Tighter than
   * settleSql (every deadline, decided or not): a record closed before its due date no longer
   * waits for it, so only records still open within a limit are kept pending.
   */
  settleSql(): string {
    const arms = this.asOfDefs.map(({ def, instant }) => {
      const differs = rowValues(def).map((v) => `(${at(v.value, `${instant} - toIntervalMillisecond(1)`)}) != (${at(v.value, instant)})`).join(' OR ')
      return `if(${differs}, ifNull(toDateTime64(${instant}, 3, 'Asia/Shanghai'), ${EPOCH}), ${EPOCH})`
    })
    return arms.length ? `greatest(${EPOCH}, ${arms.join(', ')})` : EPOCH
  }

  /** A computation's rows ({day}, {c}) summed again by COARSE_DIMS. */
  private async coarsen(fine: string, coarse: string, defs: MetricDef[], params: Record<string, unknown>): Promise<void> {
    const cols = defs.flatMap((d) => [d.distinct ? `uniqExactMergeState(${d.id}__n) AS ${d.id}__n` : `sum(${d.id}__n) AS ${d.id}__n`,
      ...(d.den ? [`sum(${d.id}__d) AS ${d.id}__d`] : []), ...(d.coverage ? [`sum(${d.id}__nr) AS ${d.id}__nr`, `sum(${d.id}__p) AS ${d.id}__p`] : [])])
    await this.db.command({ query: `INSERT INTO ${coarse} SELECT day, computed_at, ${COARSE_DIMS.join(', ')}, ${cols.join(', ')}
      FROM ${fine} WHERE day = {day:Date} AND computed_at = {c:${T64}} GROUP BY day, computed_at, ${COARSE_DIMS.join(', ')}`, query_params: params })
  }

  /**
   * The window's events ({from}, {to}) as rows with the dims of their sending record (its fields, ''
   * when it is not stored; platform is the event's, the sending platform) and the bucket `b`.
   * `where` (on events' own columns) narrows them; `byKeys`: found by key first (events of a short span).
   */
  placedEventRows(b: string, where = '1', byKeys = false): string {
    const w = byKeys ? `(${where}) AND (platform, event_id) IN (SELECT platform, event_id FROM events
        WHERE toYYYYMM(at) BETWEEN toYYYYMM({from:${T64}}) AND toYYYYMM({to:${T64}} - toIntervalMillisecond(1)) AND at >= {from:${T64}} AND at < {to:${T64}}
          ${this.transfersOnly ? "AND type = 'transfer'" : ''} AND (${where}))` : where
    return `(SELECT e.*, ${b} AS b, ifNull(r.r_county, '') AS county_code, ifNull(r.r_town, '') AS town_code, ifNull(r.r_unit, '') AS unit_code,
        ifNull(r.r_category, '') AS category_code, ifNull(r.r_channel, '') AS channel, r.r_received_at AS sender_received_at
      FROM ${this.eventsSource(w)} AS e ${this.senderJoin(where)})`
  }

  /** The sending records of the window's events ({from}, {to}), joined as r. */
  senderJoin(where = '1'): string {
    const tr = this.transfersOnly ? " AND type = 'transfer'" : ''
    return `LEFT ANY JOIN (SELECT platform AS rp, source_id AS rid, received_at AS r_received_at, county_code AS r_county, town_code AS r_town,
          unit_code AS r_unit, category_code AS r_category, channel AS r_channel
        FROM records FINAL WHERE (platform, source_id) IN (SELECT platform, record_id FROM events
          WHERE toYYYYMM(at) BETWEEN toYYYYMM({from:${T64}}) AND toYYYYMM({to:${T64}} - toIntervalMillisecond(1))
            AND at >= {from:${T64}} AND at < {to:${T64}}${tr} AND (${where}))) AS r
      ON r.rp = e.platform AND r.rid = e.record_id`
  }

  /**
   * The pending records of the computations in `param` (keysOf) under `where` (over the dims), judged at {as_of}
   * in the metrics as_of changes, zeros in the others: a part of the records' union, grouped by `keys`.
   */
  pendingPart(param: string, where: string, b: string, keys: string[]): string {
    const byId = new Map(this.asOfDefs.map((x) => [x.def.id, x]))
    const cols = this.recDefs.flatMap((d) => byId.has(d.id)
      ? rowValues(d).map((v) => `toInt64(sum(if(ifNull(x_${d.id} <= {as_of:${T64}}, 0), ${v.col}__a, ${v.col}__b))) AS ${v.col}`)
      : rowValues(d).map((v) => `toInt64(0) AS ${v.col}`))
    return `SELECT ${b} AS b${keys.map((k) => `, ${k}`).join('')}, ${cols.join(', ')}
      FROM ${this.pendingTable} WHERE ${committedIn(param)} AND (${where}) GROUP BY b${keys.map((k) => `, ${k}`).join('')}`
  }

  /** Rows of older computations and other fingerprints' tables are no longer read: drop them (rows of a computation in progress are newer, and stay). */
  async prune(): Promise<void> {
    await this.ensureTables()
    for (const [t, source] of [[this.recTable, 'records'], [this.recCoarse, 'records'], [this.pendingTable, 'records'], [this.evTable, 'events'], [this.evCoarse, 'events']] as const) {
      const old = await queryRows<{ day: string; computed_at: string }>(this.db,
        `SELECT toString(t.d) AS day, toString(t.c) AS computed_at
         FROM (SELECT DISTINCT day AS d, computed_at AS c FROM ${t}) AS t
         INNER JOIN (SELECT day, max(computed_at) AS latest FROM rollup_days WHERE fp = {fp:String} AND source = {source:String} GROUP BY day) AS m ON m.day = t.d
         WHERE t.c < m.latest`, { fp: this.fp, source })
      for (let i = 0; i < old.length; i += 500)
        await this.db.command({ query: `DELETE FROM ${t} WHERE ${committed(old.slice(i, i + 500))}` })
    }
    const stale = await queryRows<{ name: string }>(this.db,
      `SELECT name FROM system.tables WHERE database = currentDatabase() AND match(name, '^rollup_(records|recordsc|events|eventsc|pending)_[0-9a-f]{12}$')
         AND NOT endsWith(name, {fp:String})`, { fp: this.fp })
    for (const x of stale) await this.db.command({ query: `DROP TABLE IF EXISTS ${x.name}` })
    await this.db.command({ query: 'DELETE FROM rollup_days WHERE fp != {fp:String}', query_params: { fp: this.fp } })
  }
}

/** The computations of a parameter (`keysOf()`): a set lookup, much cheaper than a literal list of tuples to parse. */
export const committedIn = (param: string) => `has({${param}:Array(String)}, concat(toString(day), '|', toString(computed_at)))`
export const keysOf = (days: UsableDay[]) => days.map((d) => `${d.day}|${d.computed_at}`)

/** `(day, computed_at)` of the given computations (none: false). Values are checked dates and times. */
export function committed(days: UsableDay[]): string {
  if (!days.length) return '0'
  for (const d of days) if (!/^\d{4}-\d{2}-\d{2}$/.test(d.day) || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/.test(d.computed_at)) throw new Error(`rollup: bad computation ${JSON.stringify(d)}`)
  return `(day, computed_at) IN (${days.map((d) => `(toDate('${d.day}'), toDateTime64('${d.computed_at}', 3, 'Asia/Shanghai'))`).join(', ')})`
}
