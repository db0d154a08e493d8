// The consultation item store: findings become or update items (by fingerprint), people move items
// through their lifecycle, and every change is a new row version plus one history row.
//
// Storage: `items` is a ReplacingMergeTree(version) — every change writes the whole row with version + 1
// and reads use FINAL; `item_history` is append-only (migration 012).
//
// Concurrency: each item's read-check-write runs under a per-item lock of this process (KeyedMutex),
// and the version a caller saw is compared with storage inside it, so of two concurrent changes
// exactly one wins and the other gets a 409 naming the current version. Detectors' upserts take the
// same locks. One store per Db (ItemStore.for) so the API and the detectors share them.
// Multi-process deployments (several processes on one ClickHouse server) will need a distributed lock
// around the same section: a later issue.
import type { Db } from '../clickhouse'
import { inStrings, queryRows, stringsParam } from '../clickhouse'
import { chTime } from '../../ingest/rows'
import { CITY_WIDE, scopeSql, type Scope } from '../scope'
import { isoShanghai } from '../metrics/window'
import { Finding, FINDING_KINDS, KIND_LABELS, SEVERITIES, type FindingKind, type Severity } from '../../model/finding'
import { KeyedMutex } from './mutex'
import { nextStatus } from './lifecycle'
import {
  ACTIONS, Decision, ItemError, STATUSES, STATUS_LABELS, itemId, severityRank,
  type Evidence, type HistoryRow, type Item, type Status, type TransitionRequest,
} from './model'

/** Row as stored (times as epoch ms). */
interface Row {
  id: string
  fingerprint: string
  kind: FindingKind
  title: string
  severity: Severity
  status: Status
  county_code: string
  category_code: string
  units: string[]
  first_seen: number
  last_seen: number
  raised_at: number
  escalated_at: number | null
  evidence: string
  suggested_lead: string
  suggested_assist: string[]
  status_reason: string
  decision: string
  decided_at: number | null
  decided_by: string
  routing_version: number
  version: number
  updated_at: number
  updated_by: string
  /** Hull of the detection windows that raised it (0, 0: unknown, raised before migration 014). */
  detect_from: number
  detect_to: number
}

const SELECT = `SELECT id, fingerprint, kind, title, severity, status, county_code, category_code, units,
  toUnixTimestamp64Milli(first_seen) AS first_seen_ms, toUnixTimestamp64Milli(last_seen) AS last_seen_ms,
  toUnixTimestamp64Milli(raised_at) AS raised_at_ms, toUnixTimestamp64Milli(escalated_at) AS escalated_at_ms,
  evidence, suggested_lead, suggested_assist, status_reason, decision,
  toUnixTimestamp64Milli(decided_at) AS decided_at_ms, decided_by, routing_version, version,
  toUnixTimestamp64Milli(updated_at) AS updated_at_ms, updated_by,
  toUnixTimestamp64Milli(detect_from) AS detect_from_ms, toUnixTimestamp64Milli(detect_to) AS detect_to_ms
  FROM items FINAL`

type RawRow = Omit<Row, 'first_seen' | 'last_seen' | 'raised_at' | 'escalated_at' | 'decided_at' | 'updated_at' | 'detect_from' | 'detect_to'> & {
  first_seen_ms: number; last_seen_ms: number; raised_at_ms: number; escalated_at_ms: number | null; decided_at_ms: number | null; updated_at_ms: number
  detect_from_ms: number; detect_to_ms: number
}

const fromRaw = (r: RawRow): Row => ({
  id: r.id, fingerprint: r.fingerprint, kind: r.kind, title: r.title, severity: r.severity, status: r.status,
  county_code: r.county_code, category_code: r.category_code, units: r.units,
  first_seen: Number(r.first_seen_ms), last_seen: Number(r.last_seen_ms), raised_at: Number(r.raised_at_ms),
  escalated_at: r.escalated_at_ms === null ? null : Number(r.escalated_at_ms),
  evidence: r.evidence, suggested_lead: r.suggested_lead, suggested_assist: r.suggested_assist,
  status_reason: r.status_reason, decision: r.decision,
  decided_at: r.decided_at_ms === null ? null : Number(r.decided_at_ms), decided_by: r.decided_by,
  routing_version: Number(r.routing_version), version: Number(r.version),
  updated_at: Number(r.updated_at_ms), updated_by: r.updated_by,
  detect_from: Number(r.detect_from_ms), detect_to: Number(r.detect_to_ms),
})

const toStored = (r: Row) => ({
  ...r,
  first_seen: chTime(r.first_seen), last_seen: chTime(r.last_seen), raised_at: chTime(r.raised_at),
  escalated_at: chTime(r.escalated_at), decided_at: chTime(r.decided_at), updated_at: chTime(r.updated_at),
  detect_from: chTime(r.detect_from), detect_to: chTime(r.detect_to),
})

export function toItem(r: Row): Item {
  return {
    id: r.id, fingerprint: r.fingerprint, kind: r.kind, kind_label: KIND_LABELS[r.kind] ?? r.kind, title: r.title,
    severity: r.severity, status: r.status, status_label: STATUS_LABELS[r.status] ?? r.status,
    county_code: r.county_code, category_code: r.category_code, units: r.units,
    first_seen: isoShanghai(r.first_seen), last_seen: isoShanghai(r.last_seen), raised_at: isoShanghai(r.raised_at),
    escalated_at: r.escalated_at === null ? null : isoShanghai(r.escalated_at),
    evidence: JSON.parse(r.evidence) as Evidence,
    suggested_lead: r.suggested_lead, suggested_assist: r.suggested_assist,
    status_reason: r.status_reason,
    decision: r.decision ? (JSON.parse(r.decision) as Decision) : null,
    decided_at: r.decided_at === null ? null : isoShanghai(r.decided_at), decided_by: r.decided_by,
    routing_version: r.routing_version || null,
    version: r.version, updated_at: isoShanghai(r.updated_at), updated_by: r.updated_by,
  }
}

/** Evidence as one canonical JSON string (fixed key order), so "changed" is a string comparison. */
function evidenceJson(e: Evidence): string {
  const counts = Object.fromEntries(Object.entries(e.counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  return JSON.stringify({
    counts,
    series: e.series.map((p) => ({ day: p.day, n: p.n })),
    samples: e.samples.map((s) => ({ platform: s.platform, source_id: s.source_id })),
    query: e.query,
  })
}

/** Days of series kept on an item (the before/after chart needs the months around a decision). */
const SERIES_DAYS = 400
const SAMPLES = 20
const DETECTOR = { actor: 'detector', role: 'system' }
const DT = "DateTime64(3, 'Asia/Shanghai')"
/** The reason of an item the detector withdrew (dismissed): found again, it is opened again. */
export const WITHDRAWN_REASON = '不再检出：重新计算时已不满足条件（数据已更正或已处置） / no longer detected on recompute'

/** A detection window that raised findings (a live window as its whole window: the hull stays put while it fills). */
export interface DetectWindow { from: number; to: number }
const uniqSorted = (xs: readonly string[]) => [...new Set(xs)].sort()

/**
 * The item after seeing finding f (pure). New: open. Known: the finding's title, counts, query and
 * suggestions; series merged by day (the finding's days win), samples newest first, units and the
 * seen range widened; severity only rises. Status and decision are kept.
 */
function merge(cur: Row | null, f: Finding, now: number, w?: DetectWindow): Row {
  const evidence: Evidence = { counts: f.counts, series: [...f.series].sort((a, b) => (a.day < b.day ? -1 : 1)), samples: f.samples, query: f.query }
  if (!cur) {
    return {
      id: itemId(f.fingerprint), fingerprint: f.fingerprint, kind: f.kind, title: f.title, severity: f.severity, status: 'open',
      county_code: f.county_code, category_code: f.category_code, units: uniqSorted(f.units),
      first_seen: f.first_seen, last_seen: f.last_seen, raised_at: now, escalated_at: null,
      evidence: evidenceJson(evidence), suggested_lead: f.suggested_lead, suggested_assist: f.suggested_assist,
      status_reason: '', decision: '', decided_at: null, decided_by: '', routing_version: 0,
      version: 0, updated_at: now, updated_by: DETECTOR.actor,
      detect_from: w?.from ?? 0, detect_to: w?.to ?? 0,
    }
  }
  const old = JSON.parse(cur.evidence) as Evidence
  const days = new Map(old.series.map((p) => [p.day, p.n]))
  for (const p of f.series) days.set(p.day, p.n)
  const series = [...days].sort(([a], [b]) => (a < b ? -1 : 1)).slice(-SERIES_DAYS).map(([day, n]) => ({ day, n }))
  const seen = new Set<string>()
  const samples = [...f.samples, ...old.samples].filter((s) => {
    const k = `${s.platform}:${s.source_id}`
    return seen.has(k) ? false : (seen.add(k), true)
  }).slice(0, SAMPLES)
  const rises = severityRank(f.severity) > severityRank(cur.severity)
  // Withdrawn by the detector and found again: open again (a person's dismissal stands).
  const back = cur.status === 'dismissed' && cur.status_reason === WITHDRAWN_REASON
  const hull = !w ? { detect_from: cur.detect_from, detect_to: cur.detect_to }
    : cur.detect_to > 0 ? { detect_from: Math.min(cur.detect_from, w.from), detect_to: Math.max(cur.detect_to, w.to) }
    : { detect_from: w.from, detect_to: w.to }
  return {
    ...cur,
    ...hull,
    ...(back ? { status: 'open' as const, status_reason: '' } : {}),
    kind: f.kind, title: f.title, severity: rises ? f.severity : cur.severity,
    county_code: f.county_code, category_code: f.category_code, units: uniqSorted([...cur.units, ...f.units]),
    first_seen: Math.min(cur.first_seen, f.first_seen), last_seen: Math.max(cur.last_seen, f.last_seen),
    escalated_at: rises ? now : cur.escalated_at,
    evidence: evidenceJson({ ...evidence, series, samples }),
    suggested_lead: f.suggested_lead || cur.suggested_lead,
    suggested_assist: f.suggested_lead ? f.suggested_assist : cur.suggested_assist,
  }
}

const same = (a: Row, b: Row) =>
  a.status === b.status && a.detect_from === b.detect_from && a.detect_to === b.detect_to &&
  a.kind === b.kind && a.title === b.title && a.severity === b.severity && a.county_code === b.county_code &&
  a.category_code === b.category_code && a.units.join('\u0001') === b.units.join('\u0001') &&
  a.first_seen === b.first_seen && a.last_seen === b.last_seen && a.evidence === b.evidence &&
  a.suggested_lead === b.suggested_lead && a.suggested_assist.join('\u0001') === b.suggested_assist.join('\u0001')

const countsText = (evidence: string) =>
  Object.entries((JSON.parse(evidence) as Evidence).counts).map(([k, v]) => `${k} ${v}`).join(', ')

export interface UpsertResult {
  /** ids of items created by this call */
  raised: string[]
  /** ids whose severity rose */
  escalated: string[]
  /** ids whose evidence or details changed (not raised, not escalated) */
  updated: string[]
  /** findings that changed nothing */
  unchanged: number
}

export interface ItemFilter {
  kind?: readonly string[]
  severity?: readonly string[]
  status?: readonly string[]
  county?: readonly string[]
  category?: readonly string[]
  limit?: number
  /** 'severity' (default): most severe first, then newest; 'recent': newest first */
  order?: 'severity' | 'recent'
}

export interface RoutingVersion {
  version: number
  category_code: string
  county_code: string
  lead: string
  assist: string[]
  norm: string
  start_date: string
  item_id: string
  at: string
  actor: string
}

const stores = new WeakMap<Db, ItemStore>()
const ROUTING_LOCK = '\u0000routing'

export class ItemStore {
  private readonly mutex = new KeyedMutex()

  constructor(readonly db: Db, private readonly clock: () => number = Date.now) {}

  /** The one store of this Db in this process (its locks must be shared by the API and the detectors). */
  static for(db: Db): ItemStore {
    let s = stores.get(db)
    if (!s) stores.set(db, (s = new ItemStore(db)))
    return s
  }

  private async rows(ids: readonly string[], scope: Scope = CITY_WIDE): Promise<Row[]> {
    if (!ids.length) return []
    const raw = await queryRows<RawRow>(this.db, `${SELECT} WHERE id IN {ids:Array(String)} AND ${scopeSql('county_code', scope)}`, { ids })
    return raw.map(fromRaw)
  }

  private async write(rows: Row[], history: HistoryRow[]): Promise<void> {
    if (rows.length) await this.db.insert({ table: 'items', format: 'JSONEachRow', values: rows.map(toStored) })
    if (history.length) await this.db.insert({ table: 'item_history', format: 'JSONEachRow', values: history })
  }

  /**
   * Every finding becomes or updates one item (by fingerprint). New → status open, history 'raised'.
   * Known → evidence, seen range, title and suggestions updated; severity only rises (history
   * 'escalated'); otherwise history 'seen_again' when the evidence or seen range changed, 'updated' for
   * other details. The status is kept, also for dismissed or closed items found again: their history
   * and last_seen show it and the queue can filter them (reopening is a person's decision) — except an
   * item the detector itself withdrew (withdrawMissing), which is open again (history 'raised_again').
   * `window` (the detection window that raised the findings) widens the item's detect_from/detect_to.
   * Findings that change nothing write nothing: the same findings twice give no new version.
   */
  async upsertFindings(input: readonly Finding[], now: number, window?: DetectWindow): Promise<UpsertResult> {
    const byId = new Map<string, Finding[]>()
    for (const raw of input) {
      const f = Finding.parse(raw)
      const id = itemId(f.fingerprint)
      byId.set(id, [...(byId.get(id) ?? []), f])
    }
    const result: UpsertResult = { raised: [], escalated: [], updated: [], unchanged: 0 }
    if (!byId.size) return result
    return this.mutex.run([...byId.keys()], async () => {
      const stored = new Map((await this.rows([...byId.keys()])).map((r) => [r.id, r]))
      const rows: Row[] = []
      const history: HistoryRow[] = []
      for (const [id, fs] of byId) {
        const before = stored.get(id) ?? null
        let next: Row | null = before
        for (const f of fs) next = merge(next, f, now, window)
        const after = next!
        if (before && same(before, after)) { result.unchanged += fs.length; continue }
        after.version = (before?.version ?? 0) + 1
        after.updated_at = now
        after.updated_by = DETECTOR.actor
        rows.push(after)
        const h = { item_id: id, version: after.version, at: chTime(now), ...DETECTOR, from_status: before?.status ?? '', to_status: after.status, reason: '' }
        if (!before) {
          result.raised.push(id)
          history.push({ ...h, action: 'raised', detail: `${after.kind} ${after.severity}; ${countsText(after.evidence)}` })
        } else if (before.status !== after.status) {
          result.raised.push(id)
          history.push({ ...h, action: 'raised_again', detail: `found again after it was withdrawn; ${countsText(after.evidence)}` })
        } else if (severityRank(after.severity) > severityRank(before.severity)) {
          result.escalated.push(id)
          history.push({ ...h, action: 'escalated', detail: `${before.severity} → ${after.severity}; ${countsText(after.evidence)}` })
        } else if (after.evidence !== before.evidence || after.last_seen !== before.last_seen || after.first_seen !== before.first_seen) {
          result.updated.push(id)
          history.push({ ...h, action: 'seen_again', detail: `last seen ${isoShanghai(after.last_seen)}; ${countsText(after.evidence)}` })
        } else {
          result.updated.push(id)
          history.push({ ...h, action: 'updated', detail: 'title, units or suggested units changed' })
        }
      }
      await this.write(rows, history)
      return result
    })
  }

  /**
   * Hulls of open items of `kind` that overlap w without lying inside it: the detect job widens a window
   * it computes again to cover them (within a bound), so that withdrawMissing can judge those items too.
   */
  async openHulls(kind: FindingKind, w: DetectWindow): Promise<DetectWindow[]> {
    return (await queryRows<{ f: number; t: number }>(this.db,
      `SELECT DISTINCT toUnixTimestamp64Milli(detect_from) AS f, toUnixTimestamp64Milli(detect_to) AS t FROM items FINAL
       WHERE kind = {kind:String} AND status = 'open' AND detect_to > toDateTime64(0, 3)
         AND detect_from < {to:${DT}} AND detect_to > {from:${DT}} AND NOT (detect_from >= {from:${DT}} AND detect_to <= {to:${DT}})`,
      { kind, from: chTime(w.from), to: chTime(w.to) })).map((r) => ({ from: Number(r.f), to: Number(r.t) }))
  }

  /**
   * A detector computed window w again (complete, not live) and found `found`: its open items raised
   * only from inside w (state detectors: from any window up to w's end — only the latest state
   * counts) that it no longer finds are withdrawn: dismissed with WITHDRAWN_REASON by the detector.
   * Items people are working on (under review or later) are left alone. Returns the withdrawn ids.
   */
  async withdrawMissing(kind: FindingKind, w: DetectWindow, found: readonly string[], o: { state?: boolean; now?: number } = {}): Promise<string[]> {
    const now = o.now ?? this.clock()
    const inside = o.state ? `detect_to <= {to:${DT}}` : `detect_from >= {from:${DT}} AND detect_to <= {to:${DT}}`
    const ids = (await queryRows<{ id: string }>(this.db,
      `SELECT id FROM items FINAL WHERE kind = {kind:String} AND status = 'open' AND detect_to > toDateTime64(0, 3)
         AND ${inside} AND fingerprint NOT IN ${inStrings('found')}`,
      { kind, from: chTime(w.from), to: chTime(w.to), found: stringsParam(found) })).map((r) => r.id)
    if (!ids.length) return []
    return this.mutex.run(ids, async () => {
      const rows: Row[] = []
      const history: HistoryRow[] = []
      for (const cur of await this.rows(ids)) {
        if (cur.status !== 'open') continue // changed by a person meanwhile
        const next: Row = { ...cur, status: 'dismissed', status_reason: WITHDRAWN_REASON, version: cur.version + 1, updated_at: now, updated_by: DETECTOR.actor }
        rows.push(next)
        history.push({ item_id: cur.id, version: next.version, at: chTime(now), ...DETECTOR, action: 'withdrawn', from_status: 'open', to_status: 'dismissed',
          reason: WITHDRAWN_REASON, detail: `not found when ${isoShanghai(w.from)} … ${isoShanghai(w.to)} was computed again` })
      }
      await this.write(rows, history)
      return rows.map((r) => r.id)
    })
  }

  /** Items in the scope (county '' = city-wide: city-scoped callers only), most severe then newest first. */
  async list(filter: ItemFilter = {}, scope: Scope = CITY_WIDE): Promise<Item[]> {
    const where = [scopeSql('county_code', scope)]
    const params: Record<string, unknown> = { limit: Math.max(1, Math.min(filter.limit ?? 100, 1000)) }
    const add = (col: string, name: string, values?: readonly string[]) => {
      if (!values?.length) return
      where.push(`${col} IN {${name}:Array(String)}`)
      params[name] = values
    }
    add('kind', 'kinds', filter.kind)
    add('severity', 'severities', filter.severity)
    add('status', 'statuses', filter.status)
    add('county_code', 'counties', filter.county)
    add('category_code', 'categories', filter.category)
    const order = filter.order === 'recent'
      ? 'last_seen DESC, id'
      : `indexOf([${SEVERITIES.map((s) => `'${s}'`).join(', ')}], severity) DESC, last_seen DESC, id`
    const raw = await queryRows<RawRow>(this.db, `${SELECT} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT {limit:UInt32}`, params)
    return raw.map((r) => toItem(fromRaw(r)))
  }

  /** One item, or null when unknown or outside the scope. */
  async get(id: string, scope: Scope = CITY_WIDE): Promise<Item | null> {
    const [r] = await this.rows([id], scope)
    return r ? toItem(r) : null
  }

  /** Several items in the order asked (unknown or out-of-scope ids left out). */
  async getMany(ids: readonly string[], scope: Scope = CITY_WIDE): Promise<Item[]> {
    const found = new Map((await this.rows(ids, scope)).map((r) => [r.id, toItem(r)]))
    return ids.flatMap((id) => found.get(id) ?? [])
  }

  /** Every change of the item, oldest first. (Callers check the item is in their scope first.) */
  async history(id: string): Promise<HistoryRow[]> {
    const rows = await queryRows<Omit<HistoryRow, 'at'> & { at_ms: number }>(this.db,
      `SELECT item_id, version, toUnixTimestamp64Milli(at) AS at_ms, actor, role, action, from_status, to_status, reason, detail
       FROM item_history WHERE item_id = {id:String} ORDER BY version, at_ms`, { id })
    return rows.map(({ at_ms, ...r }) => ({ ...r, version: Number(r.version), at: isoShanghai(Number(at_ms)) }))
  }

  /**
   * Moves an item through its lifecycle. 400: invalid action, missing reason (dismiss) or decision
   * (decide), or a transition the status does not allow; 404: unknown or outside the scope; 409: the
   * item is no longer at expected_version (the error names the current version and status).
   * Deciding an item with a category writes a new routing list version for its category × county.
   */
  async transition(id: string, req: TransitionRequest, scope: Scope = CITY_WIDE, now = this.clock()): Promise<Item> {
    if (!(ACTIONS as readonly string[]).includes(req.action)) throw new ItemError(400, `unknown action ${String(req.action)}: one of ${ACTIONS.join(', ')}`)
    if (!Number.isSafeInteger(req.expected_version) || req.expected_version < 1) throw new ItemError(400, 'expected_version: the version of the item you saw (an integer ≥ 1)')
    const reason = (req.reason ?? '').trim().slice(0, 2000)
    if (req.action === 'dismiss' && !reason) throw new ItemError(400, 'dismiss needs a reason')
    let decision: Decision | null = null
    if (req.action === 'decide') {
      const d = Decision.safeParse(req.decision)
      if (!d.success) throw new ItemError(400, `decide needs a decision { lead, assist, norm, start_date }: ${d.error.issues.map((i) => `${['decision', ...i.path].join('.')}: ${i.message}`).join('; ')}`)
      decision = d.data
    } else if (req.decision !== undefined) throw new ItemError(400, `a decision is given only with the action decide`)
    return this.mutex.run([id], async () => {
      const [cur] = await this.rows([id], scope)
      if (!cur) throw new ItemError(404, `no item ${id}`)
      if (cur.version !== req.expected_version)
        throw new ItemError(409, `item ${id} was changed meanwhile: it is now version ${cur.version} (${cur.status}), you sent version ${req.expected_version}; reload it and try again`, { version: cur.version, status: cur.status })
      const to = nextStatus(cur.status, req.action)
      const next: Row = { ...cur, status: to, status_reason: reason, version: cur.version + 1, updated_at: now, updated_by: req.actor }
      let detail = ''
      if (decision) {
        next.decision = JSON.stringify(decision)
        next.decided_at = now
        next.decided_by = req.actor
        next.routing_version = cur.category_code ? await this.addRoutingVersion(cur, decision, req.actor, now) : 0
        detail = `lead ${decision.lead}; assist ${decision.assist.join(',') || '-'}; from ${decision.start_date}${next.routing_version ? `; routing list version ${next.routing_version}` : ''}`
      }
      await this.write([next], [{
        item_id: id, version: next.version, at: chTime(now), actor: req.actor, role: req.role, action: req.action,
        from_status: cur.status, to_status: to, reason, detail,
      }])
      return toItem(next)
    })
  }

  private addRoutingVersion(item: Row, d: Decision, actor: string, now: number): Promise<number> {
    return this.mutex.run([ROUTING_LOCK], async () => {
      const [{ v }] = await queryRows<{ v: number }>(this.db, 'SELECT max(version) AS v FROM routing_versions')
      const version = Number(v) + 1
      await this.db.insert({
        table: 'routing_versions', format: 'JSONEachRow',
        values: [{ version, category_code: item.category_code, county_code: item.county_code, lead: d.lead, assist: d.assist, norm: d.norm, start_date: d.start_date, item_id: item.id, at: chTime(now), actor }],
      })
      return version
    })
  }

  /** Routing list changes decided in consultation, newest first (optionally for one category). */
  async routingVersions(category?: string): Promise<RoutingVersion[]> {
    const rows = await queryRows<Omit<RoutingVersion, 'at'> & { at_ms: number }>(this.db,
      `SELECT version, category_code, county_code, lead, assist, norm, toString(start_date) AS start_date, item_id,
              toUnixTimestamp64Milli(at) AS at_ms, actor
       FROM routing_versions ${category ? 'WHERE category_code = {category:String}' : ''} ORDER BY version DESC`, category ? { category } : {})
    return rows.map(({ at_ms, ...r }) => ({ ...r, version: Number(r.version), at: isoShanghai(Number(at_ms)) }))
  }

  /** The current routing decision per category × county: the latest version of each (for routing and the simulator). */
  async currentRouting(): Promise<RoutingVersion[]> {
    const all = await this.routingVersions()
    const seen = new Set<string>()
    return all.filter((r) => {
      const k = `${r.category_code}|${r.county_code}`
      return seen.has(k) ? false : (seen.add(k), true)
    })
  }
}

export { FINDING_KINDS, SEVERITIES, STATUSES }
