// Metric queries over ClickHouse, all built from the definitions in definitions.ts.
import type { Db } from '../clickhouse'
import { queryRows } from '../clickhouse'
import type { MetricValue, Overview, ByRegion, TrendPoint, Bounces, Definitions } from '../../model/api'
import { metricDefs, aggregateColumns, eventsInWindow, RECORD_DERIVED, type MetricDef, type MetricParams } from './definitions'
import { windowParams, describeWindow, isoShanghai, shanghaiDayStart, type TimeWindow } from './window'
import { Reference } from '../../ingest/reference'
import { BOUNCE_JOB } from '../../jobs/bounce-job'

const W = `{from:DateTime64(3, 'Asia/Shanghai')}`
const W_TO = `{to:DateTime64(3, 'Asia/Shanghai')}`

function recordsFrom(platform: string | undefined) {
  return `(SELECT *, ${RECORD_DERIVED} FROM records FINAL
     WHERE received_at >= ${W} AND received_at < ${W_TO}${platform ? ' AND platform = {platform:String}' : ''})`
}
const EVENTS_FROM = eventsInWindow()

function toValue(d: MetricDef, row: Record<string, unknown> | undefined): MetricValue {
  const n = Number(row?.[`${d.id}__n`] ?? 0)
  const den = d.den ? Number(row?.[`${d.id}__d`] ?? 0) : null
  const value = d.unit === 'count' ? n : den ? n / den : null
  return { id: d.id, label: d.label, value, numerator: n, denominator: den, unit: d.unit, formula: d.formula }
}

export class MetricsQueries {
  private readonly defs: MetricDef[]
  private readonly recordDefs: MetricDef[]
  private readonly eventDefs: MetricDef[]

  constructor(readonly db: Db, private readonly p: MetricParams) {
    this.defs = metricDefs(p)
    this.recordDefs = this.defs.filter((d) => d.source === 'records')
    this.eventDefs = this.defs.filter((d) => d.source === 'events')
  }

  /** The definitions as data: what each metric counts, in words and in SQL. */
  definitions(): Definitions {
    return {
      window_rule: 'records count in the window by received_at, events by at; windows are [from, to) in Asia/Shanghai; records are read FINAL (latest version of each source record)',
      records_derived_sql: RECORD_DERIVED.trim(),
      events_source_sql: EVENTS_FROM,
      metrics: this.defs.map((d) => ({
        id: d.id, label: d.label, label_en: d.label_en, unit: d.unit, source: d.source, formula: d.formula,
        numerator_sql: d.num, denominator_sql: d.den ?? null,
      })),
    }
  }

  private params(w: TimeWindow, extra: Record<string, unknown> = {}) {
    return { ...windowParams(w), lim12345: this.p.responseLimit12345Min, lim110: this.p.responseLimit110Min, ...extra }
  }

  async overview(w: TimeWindow, bucket: 'day' | 'hour', platform?: '12345' | '110'): Promise<Overview> {
    const params = this.params(w, platform ? { platform } : {})
    const bucketExpr = (col: string) => (bucket === 'day' ? `toString(toDate(${col}))` : `formatDateTime(toStartOfHour(${col}), '%Y-%m-%d %H:00')`)
    const [rec] = await queryRows(this.db, `SELECT ${aggregateColumns(this.recordDefs)} FROM ${recordsFrom(platform)}`, params)
    const [ev] = await queryRows(this.db, `SELECT ${aggregateColumns(this.eventDefs)} FROM ${EVENTS_FROM}`, params)
    const trendDefs = this.defs.filter((d) => ['volume_12345', 'volume_110', 'transfers_to_110', 'transfers_to_12345'].includes(d.id))
    const recTrend = await queryRows(this.db,
      `SELECT ${bucketExpr('received_at')} AS bucket, ${aggregateColumns(trendDefs.filter((d) => d.source === 'records'))}
       FROM ${recordsFrom(platform)} GROUP BY bucket`, params)
    const evTrend = await queryRows(this.db,
      `SELECT ${bucketExpr('at')} AS bucket, ${aggregateColumns(trendDefs.filter((d) => d.source === 'events'))}
       FROM ${EVENTS_FROM} GROUP BY bucket`, params)
    const metrics: Record<string, MetricValue> = {}
    for (const d of this.recordDefs) metrics[d.id] = toValue(d, rec)
    for (const d of this.eventDefs) metrics[d.id] = toValue(d, ev)
    return {
      window: describeWindow(w),
      generated_at: isoShanghai(Date.now()),
      metrics,
      bucket,
      trend: fillTrend(w, bucket, recTrend, evTrend),
    }
  }

  async byRegion(w: TimeWindow): Promise<ByRegion> {
    const params = this.params(w)
    const rateDefs = this.recordDefs.filter((d) => d.unit === 'ratio' || d.id.startsWith('volume'))
    const recRows = await queryRows<Record<string, unknown> & { county_code: string }>(this.db,
      `SELECT county_code, ${aggregateColumns(rateDefs)} FROM ${recordsFrom(undefined)} GROUP BY county_code`, params)
    // A transfer belongs to the district of the record it was sent from.
    const transferDefs = this.eventDefs.filter((d) => d.id.startsWith('transfers_'))
    const evRows = await queryRows<Record<string, unknown> & { county_code: string }>(this.db,
      `SELECT r.county_code AS county_code, ${aggregateColumns(transferDefs)}
       FROM ${EVENTS_FROM} AS e
       INNER JOIN (SELECT platform AS rp, source_id, county_code FROM records FINAL) AS r ON r.rp = e.platform AND r.source_id = e.record_id
       GROUP BY county_code`, params)
    const recBy = new Map(recRows.map((r) => [r.county_code, r]))
    const evBy = new Map(evRows.map((r) => [r.county_code, r]))
    const def = (id: string) => this.defs.find((d) => d.id === id)!
    const regions = Reference.load().regions.counties.map((c) => {
      const r = recBy.get(c.code)
      const e = evBy.get(c.code)
      return {
        county_code: c.code,
        name: c.name,
        volume_12345: toValue(def('volume_12345'), r).value ?? 0,
        volume_110: toValue(def('volume_110'), r).value ?? 0,
        transfers_to_110: toValue(def('transfers_to_110'), e).value ?? 0,
        transfers_to_12345: toValue(def('transfers_to_12345'), e).value ?? 0,
        response_rate: toValue(def('response_rate'), r),
        resolution_rate: toValue(def('resolution_rate'), r),
        satisfaction_rate: toValue(def('satisfaction_rate'), r),
      }
    })
    return { window: describeWindow(w), generated_at: isoShanghai(Date.now()), regions }
  }

  async bounces(days: number): Promise<Bounces> {
    const since = isoShanghai(shanghaiDayStart(Date.now()) - (days - 1) * 86_400_000).slice(0, 10)
    const rows = await queryRows<{ day_s: string; category_code: string; bounces: number; transfers: number }>(this.db,
      `SELECT toString(b.day) AS day_s, b.category_code AS category_code, b.bounces AS bounces, b.transfers AS transfers
       FROM bounce_daily AS b FINAL WHERE b.day >= {since:Date} ORDER BY b.day DESC, b.bounces DESC, b.category_code`, { since })
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

/** Every bucket of the window appears, zero when nothing happened, so charts show gaps as zeros. */
function fillTrend(w: TimeWindow, bucket: 'day' | 'hour', rec: Record<string, unknown>[], ev: Record<string, unknown>[]): TrendPoint[] {
  const step = bucket === 'day' ? 86_400_000 : 3_600_000
  const key = (t: number) => (bucket === 'day' ? isoShanghai(t).slice(0, 10) : isoShanghai(t).slice(0, 13).replace('T', ' ') + ':00')
  const start = bucket === 'day' ? shanghaiDayStart(w.from) : Math.floor(w.from / step) * step
  const points = new Map<string, TrendPoint>()
  for (let t = start; t < w.to && points.size < 2000; t += step)
    points.set(key(t), { bucket: key(t), volume_12345: 0, volume_110: 0, transfers_to_110: 0, transfers_to_12345: 0 })
  for (const r of [...rec, ...ev]) {
    const p = points.get(String(r.bucket))
    if (!p) continue
    for (const k of ['volume_12345', 'volume_110', 'transfers_to_110', 'transfers_to_12345'] as const)
      if (r[`${k}__n`] !== undefined) p[k] = Number(r[`${k}__n`])
  }
  return [...points.values()]
}
