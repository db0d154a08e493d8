// Metric queries over ClickHouse, all built from the definitions in definitions.ts.
import type { Db } from '../clickhouse'
import { queryRows } from '../clickhouse'
import type { MetricValue, Overview, ByRegion, TrendPoint, Bounces, Definitions, RegionRow, Breakdown, Dimension, Series, SeriesBucket } from '../../model/api'
import { DIMENSIONS, UNKNOWN_REGION } from '../../model/api'
import {
  metricDefs, aggregateColumns, BOUNCE_JOB, metricEventsSource, recordDerived, recordsSource, repeatSpans, policies, DEFAULT_EXCLUDE_110_KINDS, DEFAULT_MIN_COVERAGE, DEFAULT_SIGN_LIMIT_MIN, DEFAULT_SIGN_LIMIT_EMERGENCY_MIN,
  DEFAULT_ARRIVE_LIMIT_MIN, DEFAULT_AREA_CLASSES, isExtended, windowMonths as windowMonthsSql, windowFinal, withDerived,
  type MetricDef, type MetricParams,
} from './definitions'
import { metricVersions } from './versions'
import { windowParams, describeWindow, isoShanghai, shanghaiDayStart, type TimeWindow } from './window'
import { toValue, sumRows, type AggRow } from './values'
import { chTime } from '../../ingest/rows'
import { Reference } from '../../ingest/reference'
import { CITY_WIDE, scopeSql, inScope, type Scope } from '../scope'
import { Rollups, committedIn, keysOf, sumColumns, partColumns, COARSE_DIMS, type UsableDay } from './rollup'

type PlatformFilter = '12345' | '110' | undefined

interface GroupSpec {
  /** The bucket label from a Date or DateTime column; null: no buckets. */
  bucket: ((col: string) => string) | null
  /** Buckets finer than a day: rollups cannot serve them. */
  hourly?: boolean
  keys: string[]
  /** The dims (ROLLUP_DIMS) the keys are made of. */
  dims: string[]
  /** `where` filters on platform and county_code only (so the coarse rollups can serve). */
  coarseWhere?: boolean
  /** A row's group, to join the extended metrics' rows to. */
  keyOf: (r: AggRow) => string
  groupBy: string
  where: string
  params: Record<string, unknown>
  /** The extended metrics' rows (records, events), raw, with the same key columns. */
  ext: (recDefs: MetricDef[], evDefs: MetricDef[]) => Promise<AggRow[][]>
}

/** The instants of [from, to) on days not rolled up, as one span (null: every day is). */
function rawBounds(w: TimeWindow, rolled: UsableDay[]): { from: number; to: number } | null {
  const done = new Set(rolled.map((d) => d.day))
  let lo = Infinity, hi = -Infinity
  for (let d = shanghaiDayStart(w.from); d < w.to; d += 86_400_000) {
    if (done.has(isoShanghai(d).slice(0, 10))) continue
    lo = Math.min(lo, Math.max(d, w.from)); hi = Math.max(hi, Math.min(d + 86_400_000, w.to))
  }
  return lo < hi ? { from: lo, to: hi } : null
}

/** Rows of two queries over the same groups, joined by their key columns (a group only one has keeps its columns). */
function mergeByKeys(a: AggRow[], b: AggRow[], key: (r: AggRow) => string): AggRow[] {
  const out = new Map(a.map((r) => [key(r), { ...r }]))
  for (const r of b) out.set(key(r), { ...(out.get(key(r)) ?? {}), ...r })
  return [...out.values()]
}

/** The records column of each breakdown dimension. */
const DIM_COLUMN: Record<Dimension, string> = { county: 'county_code', town: 'town_code', unit: 'unit_code', category: 'category_code', channel: 'channel' }

const W = `{from:DateTime64(3, 'Asia/Shanghai')}`
const W_TO = `{to:DateTime64(3, 'Asia/Shanghai')}`
const TREND_IDS = ['volume_12345', 'volume_110', 'transfers_to_110', 'transfers_to_12345'] as const

/**
 * Events in the window; with a platform filter only those its platform sent (reported); with a region
 * scope only those whose sending record is in one of its counties (events of unknown records are city-wide).
 */
function eventsFrom(source: string, platform: PlatformFilter, scope: Scope) {
  const conds = [
    platform ? 'ew.platform = {platform:String}' : '',
    // (only records that sent an event in the window are looked up, as by-region does)
    scope.counties === 'all' ? '' : `(ew.platform, ew.record_id) IN (SELECT platform, source_id FROM records FINAL
       WHERE ${scopeSql('county_code', scope)}
         AND (platform, source_id) IN (SELECT platform, record_id FROM events WHERE at >= ${W} AND at < ${W_TO}))`,
  ].filter(Boolean)
  return conds.length ? `(SELECT * FROM ${source} AS ew WHERE ${conds.join(' AND ')})` : source
}

export class MetricsQueries {
  private readonly defs: MetricDef[]
  private readonly recordDefs: MetricDef[]
  private readonly eventDefs: MetricDef[]
  private readonly derived: string
  private readonly minCoverage: number
  /** The events the metrics read (with the extended joins unless MetricParams.extended is false). */
  private readonly eventsSource: string

  private readonly versions = metricVersions()
  /** Rollups serve every metric but the extended ones, which are read raw (only when enabled). */
  readonly rollups: Rollups
  private readonly extRecordDefs: MetricDef[]
  private readonly extEventDefs: MetricDef[]

  /** `rollups: false` reads every day raw (benchmarks and tests compare the two). */
  constructor(readonly db: Db, private readonly p: MetricParams, private readonly opts: { rollups?: boolean } = {}) {
    this.defs = metricDefs(p)
    this.recordDefs = this.defs.filter((d) => d.source === 'records')
    this.eventDefs = this.defs.filter((d) => d.source === 'events')
    this.rollups = new Rollups(db, p)
    this.extRecordDefs = this.recordDefs.filter(isExtended)
    this.extEventDefs = this.eventDefs.filter(isExtended)
    this.derived = recordDerived(p)
    this.minCoverage = p.minCoverage ?? DEFAULT_MIN_COVERAGE
    this.eventsSource = metricEventsSource(p)
  }

  /** The definitions as data: what each metric counts, in words and in SQL, with the policies and settings. */
  definitions(): Definitions {
    return {
      window_rule: 'records count in the window by received_at, events by at; windows are [from, to) in Asia/Shanghai; records and events are read FINAL (latest version of each); {as_of} is the instant limits are judged at',
      records_derived_sql: this.derived.trim(),
      records_source_sql: recordsSource(this.p, '{platform and region filters}'),
      events_source_sql: this.eventsSource,
      policies: policies(this.p),
      settings: {
        RESPONSE_LIMIT_12345_MIN: this.p.responseLimit12345Min, RESPONSE_LIMIT_110_MIN: this.p.responseLimit110Min,
        RESPONSE_EXCLUDE_110_KINDS: this.p.responseExclude110Kinds ?? DEFAULT_EXCLUDE_110_KINDS, METRICS_MIN_COVERAGE: this.minCoverage,
        SIGN_LIMIT_12345_MIN: this.p.signLimit12345Min ?? DEFAULT_SIGN_LIMIT_MIN, SIGN_LIMIT_EMERGENCY_MIN: this.p.signLimitEmergencyMin ?? DEFAULT_SIGN_LIMIT_EMERGENCY_MIN,
        ARRIVE_LIMIT_URBAN_MIN: this.p.arriveLimitUrbanMin ?? DEFAULT_ARRIVE_LIMIT_MIN.urban, ARRIVE_LIMIT_SUBURBAN_MIN: this.p.arriveLimitSuburbanMin ?? DEFAULT_ARRIVE_LIMIT_MIN.suburban,
        ARRIVE_LIMIT_RURAL_MIN: this.p.arriveLimitRuralMin ?? DEFAULT_ARRIVE_LIMIT_MIN.rural, ARRIVE_AREA_CLASSES: this.p.areaClasses ?? DEFAULT_AREA_CLASSES,
        REPEAT_SPAN_12345_HOURS: repeatSpans(this.p).h12345, REPEAT_SPAN_110_HOURS: repeatSpans(this.p).h110,
        METRICS_EXTENDED: this.p.extended !== false,
      },
      metrics: this.defs.map((d) => ({
        id: d.id, label: d.label, label_en: d.label_en, unit: d.unit, platform: d.platform, source: d.source, formula: d.formula,
        numerator_sql: d.num, denominator_sql: d.den ?? null, distinct_sql: d.distinct ?? null, sum_sql: d.sum ?? null,
        not_recorded_sql: d.coverage?.not_recorded ?? null, pending_sql: d.coverage?.pending ?? null, policies: d.policies,
        version: this.versions[d.id]?.version ?? 0, version_changed: this.versions[d.id]?.changed ?? '',
        period_by: d.source === 'records' ? 'received_at' as const : 'at' as const,
        target: this.p.targets?.[d.id]?.target ?? null, warn: this.p.targets?.[d.id]?.warn ?? null,
      })),
    }
  }

  /** Records in the window, of the platform and within the region scope: the one place records are scoped. */
  private recordsFrom(platform: PlatformFilter, scope: Scope) {
    return recordsSource(this.p, `${platform ? 'platform = {platform:String} AND ' : ''}${scopeSql('county_code', scope)}`)
  }

  private params(w: TimeWindow, asOf: number, platform: PlatformFilter) {
    // rep_from: the earliest instant a caller's earlier record can make a repeat of one in the window.
    const sp = repeatSpans(this.p)
    return { ...windowParams(w), as_of: chTime(asOf), rep_from: chTime(w.from - Math.max(sp.h12345, sp.h110) * 3_600_000), ...(platform ? { platform } : {}) }
  }

  private values(rec: AggRow | undefined, ev: AggRow | undefined, platform: PlatformFilter): Record<string, MetricValue> {
    const out: Record<string, MetricValue> = {}
    for (const d of this.defs) out[d.id] = toValue(d, d.source === 'records' ? rec : ev, this.minCoverage, platform, this.versions[d.id]?.version ?? 0, this.p.targets?.[d.id])
    return out
  }

  async overview(w: TimeWindow, bucket: 'day' | 'hour', platform?: '12345' | '110', asOf = Date.now(), scope: Scope = CITY_WIDE): Promise<Overview> {
    const params = this.params(w, asOf, platform)
    const bucketExpr = (col: string) => (bucket === 'day' ? `toString(toDate(${col}))` : `formatDateTime(toStartOfHour(${col}), '%Y-%m-%d %H:00')`)
    // One query per source gives the trend buckets and the window's total (the grouping set ()): a
    // distinct count over the window is not the sum of its buckets.
    const raw = (source: string, col: string, defs: MetricDef[]) => queryRows(this.db,
      `SELECT ${bucketExpr(col)} AS bucket, grouping(bucket) AS is_total, ${aggregateColumns(defs)}
       FROM ${source} GROUP BY GROUPING SETS ((bucket), ())`, params)
    const { rec: recRows, ev: evRows } = await this.grouped(w, asOf, {
      bucket: bucketExpr, hourly: bucket === 'hour', keys: ['b AS bucket', 'grouping(bucket) AS is_total'], dims: [], coarseWhere: true, keyOf: (r) => (Number(r.is_total) === 1 ? '' : String(r.bucket)),
      groupBy: 'GROUPING SETS ((bucket), ())', where: this.scopeWhere(platform, scope), params,
      ext: (rd, ed) => Promise.all([raw(this.recordsFrom(platform, scope), 'received_at', rd), raw(eventsFrom(this.eventsSource, platform, scope), 'at', ed)]),
    })
    const total = (rows: AggRow[]) => rows.find((r) => Number(r.is_total) === 1)
    const buckets = (rows: AggRow[]) => rows.filter((r) => Number(r.is_total) === 0)
    return {
      window: describeWindow(w),
      as_of: isoShanghai(asOf),
      platform: platform ?? null,
      generated_at: isoShanghai(Date.now()),
      metrics: this.values(total(recRows), total(evRows), platform),
      bucket,
      trend: fillTrend(w, bucket, buckets(recRows), buckets(evRows)),
    }
  }

  /**
   * Every district of the reference list, then 未知区域: events whose sending record is unknown, and
   * anything in a county outside the list. Each count (and each rate's parts) adds up to the overview's.
   */
  async byRegion(w: TimeWindow, platform?: '12345' | '110', asOf = Date.now(), scope: Scope = CITY_WIDE): Promise<ByRegion> {
    const params = this.params(w, asOf, platform)
    const { rec: recRows, ev: evRows } = await this.grouped(w, asOf, {
      bucket: null, keys: ['county_code'], dims: ['county_code'], coarseWhere: true, keyOf: (r) => String(r.county_code), groupBy: 'county_code', where: this.scopeWhere(platform, scope), params,
      ext: (rd, ed) => Promise.all([
        queryRows<AggRow>(this.db, `SELECT county_code, ${aggregateColumns(rd)} FROM ${this.recordsFrom(platform, scope)} GROUP BY county_code`, params),
        // An event belongs to the district of the record it was sent from (the record its platform reports it on).
        queryRows<AggRow>(this.db,
          `SELECT ifNull(r.county_code, '') AS county_code, ${aggregateColumns(ed)}
           FROM ${eventsFrom(this.eventsSource, platform, scope)} AS e
           LEFT ANY JOIN (SELECT platform AS rp, source_id, county_code FROM records FINAL
                          WHERE (platform, source_id) IN (SELECT platform, record_id FROM events
                                                         WHERE at >= ${W} AND at < ${W_TO})) AS r
             ON r.rp = e.platform AND r.source_id = e.record_id
           GROUP BY county_code`, params)]),
    }) as { rec: (AggRow & { county_code: string })[]; ev: (AggRow & { county_code: string })[] }
    // A scoped caller sees its counties only (no 未知区域: unknown places belong to no county's scope).
    const counties = Reference.load().regions.counties.filter((c) => inScope(scope, c.code))
    const known = new Set(counties.map((c) => c.code))
    const pick = (rows: (AggRow & { county_code: string })[], code: string) =>
      code === UNKNOWN_REGION ? sumRows(rows.filter((r) => !known.has(r.county_code))) : rows.find((r) => r.county_code === code)
    const regions: RegionRow[] = [...counties, ...(scope.counties === 'all' ? [{ code: UNKNOWN_REGION, name: '未知区域' }] : [])].map((c) => ({
      county_code: c.code,
      name: c.name,
      metrics: this.values(pick(recRows, c.code), pick(evRows, c.code), platform),
    }))
    return { window: describeWindow(w), as_of: isoShanghai(asOf), platform: platform ?? null, generated_at: isoShanghai(Date.now()), regions }
  }

  /**
   * Metrics per value of a dimension (county, town, unit, category, channel), with optional filters on
   * the same fields. Records count under their own value; events under their sending record's (unknown
   * sender: ''). Rows come largest first (records, then events); each count and each rate's parts add
   * up to the overview's under the same filters. Filter values are bound parameters.
   */
  async breakdown(dim: Dimension, w: TimeWindow, filters: Partial<Record<Dimension, string>>, platform?: '12345' | '110', asOf = Date.now(), scope: Scope = CITY_WIDE): Promise<Breakdown> {
    const params: Record<string, unknown> = this.params(w, asOf, platform)
    const conds: string[] = []
    for (const d of DIMENSIONS) {
      const v = filters[d]
      if (v === undefined) continue
      params[`f_${d}`] = v
      conds.push(`${DIM_COLUMN[d]} = {f_${d}:String}`)
    }
    const where = conds.length ? conds.join(' AND ') : '1'
    const col = DIM_COLUMN[dim]
    const { rec: recRows, ev: evRows } = await this.grouped(w, asOf, {
      bucket: null, keys: [`toString(${col}) AS k`], dims: [col], coarseWhere: conds.length === 0, keyOf: (r) => String(r.k), groupBy: 'k', where: `${this.scopeWhere(platform, scope)} AND ${where}`, params,
      ext: (rd, ed) => Promise.all([
        queryRows<AggRow>(this.db,
          `SELECT toString(${col}) AS k, ${aggregateColumns(rd)} FROM ${this.recordsFrom(platform, scope)} WHERE ${where} GROUP BY k`, params),
        // Events under their sending record's value; with filters, only events whose sending record passes them.
        queryRows<AggRow>(this.db,
          `SELECT ifNull(r.k, '') AS k, ${aggregateColumns(ed)}
           FROM ${eventsFrom(this.eventsSource, platform, scope)} AS e
           LEFT ANY JOIN (SELECT platform AS rp, source_id, toString(${col}) AS k, ${where} AS pass FROM records FINAL
                          WHERE (platform, source_id) IN (SELECT platform, record_id FROM events WHERE at >= ${W} AND at < ${W_TO})) AS r
             ON r.rp = e.platform AND r.source_id = e.record_id
           WHERE ${conds.length ? 'ifNull(r.pass, 0) = 1' : '1'}
           GROUP BY k`, params)]),
    }) as { rec: (AggRow & { k: string })[]; ev: (AggRow & { k: string })[] }
    const keys = [...new Set([...recRows.map((r) => r.k), ...evRows.map((r) => r.k)])]
    const size = (k: string) => {
      const r = recRows.find((x) => x.k === k), e = evRows.find((x) => x.k === k)
      return [Number(r?.volume_12345__n ?? 0) + Number(r?.volume_110__n ?? 0), Number(e?.transfers_to_110__n ?? 0) + Number(e?.transfers_to_12345__n ?? 0)]
    }
    const sizes = new Map(keys.map((k) => [k, size(k)]))
    keys.sort((a, b) => sizes.get(b)![0] - sizes.get(a)![0] || sizes.get(b)![1] - sizes.get(a)![1] || (a < b ? -1 : 1))
    const ref = Reference.load()
    const name = (k: string) => {
      if (!k) return '未知 unknown'
      if (dim === 'county') return ref.countyByCode.get(k)?.name ?? k
      if (dim === 'category') return (ref.categoryByCode.get(k) as { name?: string } | undefined)?.name ?? k
      return k
    }
    return {
      window: describeWindow(w), as_of: isoShanghai(asOf), platform: platform ?? null, generated_at: isoShanghai(Date.now()), dim,
      filters: Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)) as Record<string, string>,
      rows: keys.map((k) => ({ key: k, name: name(k), metrics: this.values(recRows.find((r) => r.k === k), evRows.find((r) => r.k === k), platform) })),
    }
  }

  /** Every metric per bucket of the window (hour … year, Asia/Shanghai); empty buckets included. */
  async series(bucket: SeriesBucket, w: TimeWindow, platform?: '12345' | '110', asOf = Date.now(), scope: Scope = CITY_WIDE): Promise<Series> {
    const params = this.params(w, asOf, platform)
    const raw = (source: string, col: string, defs: MetricDef[]) => queryRows<AggRow>(this.db,
      `SELECT ${SERIES_BUCKET_SQL[bucket](col)} AS b, ${aggregateColumns(defs)} FROM ${source} GROUP BY b`, params)
    const { rec: recRows, ev: evRows } = await this.grouped(w, asOf, {
      bucket: SERIES_BUCKET_SQL[bucket], hourly: bucket === 'hour', keys: ['b'], dims: [], coarseWhere: true, keyOf: (r) => String(r.b), groupBy: 'b', where: this.scopeWhere(platform, scope), params,
      ext: (rd, ed) => Promise.all([raw(this.recordsFrom(platform, scope), 'received_at', rd), raw(eventsFrom(this.eventsSource, platform, scope), 'at', ed)]),
    })
    return {
      window: describeWindow(w), as_of: isoShanghai(asOf), platform: platform ?? null, generated_at: isoShanghai(Date.now()), bucket,
      points: seriesBuckets(w, bucket).map((b) => ({ bucket: b, metrics: this.values(recRows.find((r) => r.b === b), evRows.find((r) => r.b === b), platform) })),
    }
  }

  /** Platform and region scope over a record's (or an event's sending record's) fields. */
  private scopeWhere(platform: PlatformFilter, scope: Scope): string {
    return `${platform ? 'platform = {platform:String} AND ' : ''}${scopeSql('county_code', scope)}`
  }

  /**
   * Both sources' aggregated rows, grouped by `keys` (SQL over a part's columns: b, the bucket label
   * from `bucket`, and the ROLLUP_DIMS) under `where` (over the same columns): the days whose rollups
   * equal raw for this window and as_of are summed from them, the others read raw, in one query per
   * source. Extended metrics (when on) come from `ext`, raw, joined in by the key columns.
   */
  private async grouped(w: TimeWindow, asOf: number, o: GroupSpec): Promise<{ rec: AggRow[]; ev: AggRow[] }> {
    const r = this.rollups
    const none = { records: [] as UsableDay[], events: [] as UsableDay[], empty: [] as string[] }
    const usable = !o.hourly && this.opts.rollups !== false ? await r.usableDays(w.from, w.to, asOf).catch(() => none) : none
    // Days with no data count as done: nothing to read raw.
    const skip = (xs: UsableDay[]) => [...xs, ...usable.empty.map((day) => ({ day, computed_at: '' }))]
    // Parts group by the bucket and the dims the keys need only.
    const g = ['b', ...o.dims].join(', ')
    const sel = (bucket: string) => [`${bucket} AS b`, ...o.dims].join(', ')
    const b = (col: string) => (o.bucket ? o.bucket(col) : "''")
    const outer = (parts: string[], defs: MetricDef[]) =>
      `SELECT ${o.keys.join(', ')}, ${sumColumns(defs)} FROM (${parts.join('\n UNION ALL \n')}) GROUP BY ${o.groupBy}`
    const names = (defs: MetricDef[]) => defs.flatMap((d) => [`${d.id}__n`, ...(d.den ? [`${d.id}__d`] : []), ...(d.coverage ? [`${d.id}__nr`, `${d.id}__p`] : [])]).join(', ')

    const recParts: string[] = [], evParts: string[] = []
    const ru = usable.records, eu = usable.events
    // (the coarse tables when the keys and the filters need no more than platform and county)
    const coarse = o.dims.every((d) => (COARSE_DIMS as readonly string[]).includes(d)) && o.coarseWhere === true
    if (ru.length) recParts.push(`SELECT ${sel(b('day'))}, ${names(r.recDefs)} FROM ${coarse ? r.recCoarse : r.recTable} WHERE ${committedIn('rk')} AND (${o.where})`)
    // The rolled-up days' pending records, judged at this as_of in the metrics as_of changes (the
    // rollup holds the others); the other days' records raw.
    const pendingDays = ru.filter((d) => (d.pending ?? 1) > 0)
    if (pendingDays.length) recParts.push(r.pendingPart('pk', o.where, b('received_at'), o.dims))
    const recRaw = rawBounds(w, skip(ru))
    if (recRaw) {
      // (the keys first, without FINAL and by the months' min-max: FINAL then merges only their granules)
      const notRolled = `NOT has({ru:Array(Date)}, toDate(received_at))`
      recParts.push(`SELECT ${sel(b('received_at'))}, ${partColumns(r.recDefs)}
        FROM ${withDerived(r.base, `SELECT * FROM records FINAL WHERE ${windowFinal('received_at')} AND (${o.where}) AND ${notRolled}
          AND (platform, source_id) IN (SELECT platform, source_id FROM records WHERE ${windowMonthsSql('received_at')} AND received_at >= ${W} AND received_at < ${W_TO} AND ${notRolled})`)} AS rr
        GROUP BY ${g}`)
    }
    if (eu.length) evParts.push(`SELECT ${sel(b('day'))}, ${names(r.evDefs)} FROM ${coarse ? r.evCoarse : r.evTable} WHERE ${committedIn('ek')} AND (${o.where})`)
    const evRaw = rawBounds(w, skip(eu))
    if (evRaw) {
      const notRolled = 'NOT has({eu:Array(Date)}, toDate(at))'
      evParts.push(`SELECT ${sel('b')}, ${partColumns(r.evDefs)} FROM ${r.placedEventRows(b('e.at'), notRolled, true)} AS pe WHERE ${o.where} GROUP BY ${g}`)
    }
    const p = (raw: { from: number; to: number } | null, extra: Record<string, unknown>) => ({ ...o.params, ...(raw ? { from: chTime(raw.from), to: chTime(raw.to) } : {}), ...extra })
    const ext = this.p.extended !== false && (this.extRecordDefs.length || this.extEventDefs.length)
    const [rec, ev, extRows] = await Promise.all([
      recParts.length ? queryRows<AggRow>(this.db, outer(recParts, r.recDefs), p(recRaw, { ru: skip(ru).map((d) => d.day), rk: keysOf(ru), pk: keysOf(pendingDays) })) : Promise.resolve([]),
      evParts.length ? queryRows<AggRow>(this.db, outer(evParts, r.evDefs), p(evRaw, { eu: skip(eu).map((d) => d.day), ek: keysOf(eu) })) : Promise.resolve([]),
      ext ? o.ext(this.extRecordDefs, this.extEventDefs) : Promise.resolve(null),
    ])
    if (!extRows) return { rec, ev }
    return { rec: mergeByKeys(rec, extRows[0], o.keyOf), ev: mergeByKeys(ev, extRows[1], o.keyOf) }
  }

  async bounces(days: number, now = Date.now()): Promise<Bounces> {
    const since = isoShanghai(shanghaiDayStart(now) - (days - 1) * 86_400_000).slice(0, 10)
    // bounce_daily is a view showing each day's latest committed computation only (migration 006).
    const rows = await queryRows<{ day_s: string; category_code: string; bounces: number; transfers: number }>(this.db,
      `SELECT toString(b.day) AS day_s, b.category_code AS category_code, b.bounces AS bounces, b.transfers AS transfers
       FROM bounce_daily AS b WHERE b.day >= {since:Date} ORDER BY b.day DESC, b.bounces DESC, b.category_code`, { since })
    const cats = Reference.load().categoryByCode
    // When the job last ran, whether or not it found anything: "no bounces" differs from "not computed yet".
    const [run] = await queryRows<{ last: string | null }>(this.db,
      `SELECT if(count() = 0, NULL, toString(max(completed_at))) AS last FROM job_windows WHERE job = {job:String}`, { job: BOUNCE_JOB })
    const last = run?.last ?? null
    return {
      computed_at: last ? last.replace(' ', 'T') + '+08:00' : null,
      rows: rows.map((r) => ({ day: r.day_s, category_code: r.category_code, category_name: cats.get(r.category_code)?.name ?? (r.category_code || '未分类'), bounces: r.bounces, transfers: r.transfers })),
    }
  }
}

/** A bucket's label in SQL (the column is in Asia/Shanghai): the same strings seriesBuckets() makes. */
const SERIES_BUCKET_SQL: Record<SeriesBucket, (col: string) => string> = {
  hour: (c) => `formatDateTime(toStartOfHour(${c}), '%Y-%m-%d %H:00')`,
  day: (c) => `toString(toDate(${c}))`,
  week: (c) => `toString(toMonday(${c}))`,
  month: (c) => `formatDateTime(${c}, '%Y-%m')`,
  quarter: (c) => `concat(toString(toYear(${c})), '-Q', toString(toQuarter(${c})))`,
  year: (c) => `toString(toYear(${c}))`,
}

/** The labels of every bucket that [from, to) touches, in order (hour: 'YYYY-MM-DD HH:00', day and week: 'YYYY-MM-DD' of the day or Monday, 'YYYY-MM', 'YYYY-Qn', 'YYYY'). */
export function seriesBuckets(w: TimeWindow, bucket: SeriesBucket): string[] {
  const out: string[] = []
  const label = (t: number) => {
    const s = isoShanghai(t) // YYYY-MM-DDTHH:…
    const y = s.slice(0, 4), m = Number(s.slice(5, 7))
    if (bucket === 'hour') return `${s.slice(0, 10)} ${s.slice(11, 13)}:00`
    if (bucket === 'day') return s.slice(0, 10)
    if (bucket === 'week') {
      const day = shanghaiDayStart(t)
      const dow = (new Date(day + 8 * 3_600_000).getUTCDay() + 6) % 7 // Monday 0
      return isoShanghai(day - dow * 86_400_000).slice(0, 10)
    }
    if (bucket === 'month') return s.slice(0, 7)
    if (bucket === 'quarter') return `${y}-Q${Math.ceil(m / 3)}`
    return y
  }
  // Step by hours (hour buckets) or days: every bucket a step touches is listed once.
  const step = bucket === 'hour' ? 3_600_000 : 86_400_000
  const start = bucket === 'hour' ? Math.floor(w.from / step) * step : shanghaiDayStart(w.from)
  for (let t = start; t < w.to && out.length < 10_000; t += step) {
    const l = label(t)
    if (out.at(-1) !== l) out.push(l)
  }
  return out
}

/** Every bucket of the window appears, zero when nothing happened, so charts show gaps as zeros. */
function fillTrend(w: TimeWindow, bucket: 'day' | 'hour', rec: AggRow[], ev: AggRow[]): TrendPoint[] {
  const step = bucket === 'day' ? 86_400_000 : 3_600_000
  const key = (t: number) => (bucket === 'day' ? isoShanghai(t).slice(0, 10) : isoShanghai(t).slice(0, 13).replace('T', ' ') + ':00')
  const start = bucket === 'day' ? shanghaiDayStart(w.from) : Math.floor(w.from / step) * step
  const points = new Map<string, TrendPoint>()
  for (let t = start; t < w.to && points.size < 2000; t += step)
    points.set(key(t), { bucket: key(t), volume_12345: 0, volume_110: 0, transfers_to_110: 0, transfers_to_12345: 0 })
  for (const r of [...rec, ...ev]) {
    const p = points.get(String(r.bucket))
    if (!p) continue
    for (const k of TREND_IDS) if (r[`${k}__n`] !== undefined) p[k] = Number(r[`${k}__n`])
  }
  return [...points.values()]
}
