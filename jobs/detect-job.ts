// Detect job: runs every detector (jobs/detectors) over its windows and hands the findings to a sink
// (the consultation item store, wired by the caller).
//
// Per detector, state lives in job_marks under `detect:<name>` (three marks):
//  - `detect:<name>`       ingested_at high-water mark (real clock, start of its last complete run):
//                          rows ingested since then are the changes to look at, and those of the
//                          settle margin before it when they changed since that run saw them
//                          (a signature of the margin in job_settled: an insert in flight then);
//  - `detect:<name>:done`  end of the last window computed as complete (simulated clock `now`);
//  - `detect:<name>:live`  the `now` the unfinished current window was last computed for.
// A run computes, per detector:
//  - missed windows: every window that ended after `done` (all windows of the last `catchUpDays` on a
//    first run or after a long downtime), so windows missed while the scheduler was down are caught up;
//  - dirty windows: completed windows whose input changed since the mark, within `recomputeDays`:
//    new records and events (late data, imports) dirty every window that reads them (the detector's
//    reach); corrections of known ones (new contents, tombstones) the windows holding their
//    instants; a record that only progressed none (see planWindows);
//  - the live window [start of the current window, now) for detectors that judge a window as it
//    fills (disputed categories, jurisdiction, repeat callers, surges), once per `now` or when its data
//    changed, at most every `liveEveryMin` minutes;
//  - for state detectors (overdue), only the latest window, when a window ended or data changed.
// Consecutive windows are computed in one call up to the detector's maxSpanMs. A window computed again
// gives the same findings for the same data (findings carry stable fingerprints): runs are idempotent.
// A detector that throws (or whose findings the sink refuses) is reported in the summary and logged;
// its marks do not move, so the next run retries its windows; the other detectors carry on.
import type { Db } from '../analytics/clickhouse'
import { queryRows } from '../analytics/clickhouse'
import { chTime } from '../ingest/rows'
import { Finding } from '../model/finding'
import { DAY, DT, alignStart } from './detectors/common'
import { DETECTORS, DEFAULT_DETECTORS_CONFIG, type DetectorSpec, type DetectorsConfig } from './detectors'

export const DETECT_JOB = 'detect'

export interface DetectJobConfig {
  detectors: DetectorsConfig
  /** On a first run, or after a downtime longer than this, windows older than this many days are not caught up. */
  catchUpDays: number
  /** Changes to data older than this many days do not recompute windows. */
  recomputeDays: number
  /**
   * Per detector, minutes between recomputations of its unfinished window (default: every run). A
   * pattern over days does not need judging every minute, and on a large city each such live call
   * re-reads days of events: disputed categories (a week of windows) and jurisdiction (30 days of each
   * record's events) took most of every minute's run.
   */
  liveEveryMin: Record<string, number>
}

export const DEFAULT_DETECT_JOB: DetectJobConfig = {
  detectors: DEFAULT_DETECTORS_CONFIG,
  catchUpDays: 14,
  recomputeDays: 90,
  liveEveryMin: { disputed_category: 10, jurisdiction: 5 },
}

export interface DetectLog {
  info: (o: object, m: string) => void
  warn?: (o: object, m: string) => void
  error: (o: object, m: string) => void
}

export interface DetectJobOptions {
  /** The clock windows are judged by (simulated time in the demo); default Date.now(). */
  now?: number
  /** Takes a window's findings; `w` is the window that raised them (a live window as its whole window). */
  sink: (findings: Finding[], w: { from: number; to: number }) => Promise<void>
  /**
   * Withdrawal of items no longer found (ItemStore): before a complete window is computed, `hulls` gives
   * the windows of open items overlapping it, and the window is widened to cover them (up to a day), so
   * that afterwards `withdraw` — told the fingerprints found — can withdraw those raised only from inside
   * it. Live windows neither widen nor withdraw (a window still filling judges a moving part of it).
   */
  withdrawal?: {
    hulls: (kind: Finding['kind'], w: { from: number; to: number }) => Promise<{ from: number; to: number }[]>
    withdraw: (kind: Finding['kind'], w: { from: number; to: number }, found: string[], state: boolean) => Promise<void>
  }
  cfg?: Partial<DetectJobConfig>
  log?: DetectLog
  /** Rows ingested this long before the previous run's start are looked at again (default 60 s). */
  settleMs?: number
  /** The detectors to run (default: all of DETECTORS). */
  detectors?: DetectorSpec[]
}

export interface DetectWindowResult { detector: string; from: number; to: number; final: boolean; reason: 'missed' | 'dirty' | 'live' | 'state'; findings: number; ms: number }
export interface DetectError { detector: string; from: number; to: number; error: string }
export interface DetectSummary {
  now: number
  windows: DetectWindowResult[]
  errors: DetectError[]
  /** Findings handed to the sink. */
  findings: number
  /** Findings dropped for breaking the Finding contract (logged). */
  invalid: number
  /** Per detector: windows computed, findings, and windows older than catchUpDays left out after a long downtime. */
  detectors: { name: string; ok: boolean; windows: number; findings: number; skipped: number }[]
}

const MINUTE = 60_000
const markKey = (name: string, which = '') => `${DETECT_JOB}:${name}${which ? ':' + which : ''}`

async function readMarks(db: Db, names: string[]): Promise<Map<string, number>> {
  const rows = await queryRows<{ job: string; m: number }>(db,
    `SELECT job, toUnixTimestamp64Milli(max(mark)) AS m FROM job_marks WHERE job IN {jobs:Array(String)} GROUP BY job`,
    { jobs: names })
  return new Map(rows.map((r) => [r.job, Number(r.m)]))
}

/**
 * A signature of the rows (records and events, every version) ingested in [from, to): their count and
 * a sum of hashes of their keys and ingestion instants. A row that became visible late (an insert in
 * flight) changes it; so does a background merge dropping an old version (the margin is then looked
 * at again, as it always was before: safe, only slower). Measured in `npm run eval:detect`, quick
 * runs after the backfill recomputed all history 3 times instead of 6.
 */
async function marginSig(db: Db, from: number, to: number): Promise<string> {
  if (to <= from) return `${to - from}|0:0`
  const [r] = await queryRows<{ n: string; h: string }>(db,
    `SELECT toString(count()) AS n, toString(sum(h)) AS h FROM (
       SELECT cityHash64(platform, source_id, ingested_at) AS h FROM records WHERE ingested_at >= {from:${DT}} AND ingested_at < {to:${DT}}
       UNION ALL
       SELECT cityHash64(platform, event_id, ingested_at) FROM events WHERE ingested_at >= {from:${DT}} AND ingested_at < {to:${DT}})`,
    { from: chTime(from), to: chTime(to) })
  // (the margin's length is part of it: a run with another settleMs compares another interval)
  return `${to - from}|${r?.n ?? 0}:${r?.h ?? 0}`
}

async function readSettled(db: Db, names: string[]): Promise<Map<string, { mark: number; sig: string }>> {
  const rows = await queryRows<{ job: string; m: number; sig: string }>(db,
    `SELECT job, toUnixTimestamp64Milli(max(mark)) AS m, argMax(sig, mark) AS sig FROM job_settled WHERE job IN {jobs:Array(String)} GROUP BY job`,
    { jobs: names })
  return new Map(rows.map((r) => [r.job, { mark: Number(r.m), sig: r.sig }]))
}

export interface Changes {
  /** Minutes (epoch ms, floored) of rows whose key is new since the mark: new records and events, late data. */
  fresh: number[]
  /**
   * Minutes of corrections: new versions of known keys with new contents (a record's digest not seen
   * before — its instant, place, category, text … — or any new version of an event; tombstones), and
   * of a corrected record's events.
   */
  updated: number[]
  /** Minutes of records that only progressed (a known digest: status, unit, lifecycle stamps). */
  progress: number[]
}

/**
 * What changed since `since` (rows read without FINAL, so every version and tombstone counts). Whether
 * a key is new is read from record_keys / event_keys (migration 013), whether a record's contents are
 * from record_digests (migration 015): merges forget neither.
 */
async function changes(db: Db, since: number): Promise<Changes> {
  const rows = await queryRows<{ m: number; k: string }>(db,
    `WITH rc AS (SELECT platform, source_id, received_at FROM records WHERE ingested_at >= {since:${DT}}),
          ec AS (SELECT platform, event_id, at FROM events WHERE ingested_at >= {since:${DT}}),
          rold AS (SELECT platform, source_id FROM record_keys WHERE (platform, source_id) IN (SELECT platform, source_id FROM rc)
                   GROUP BY platform, source_id HAVING min(first_ingested) < {since:${DT}}),
          rfix AS (SELECT DISTINCT platform, source_id FROM (
                     SELECT platform, source_id, digest FROM record_digests WHERE (platform, source_id) IN (SELECT platform, source_id FROM rold)
                     GROUP BY platform, source_id, digest HAVING min(first_ingested) >= {since:${DT}})),
          eold AS (SELECT platform, event_id FROM event_keys WHERE (platform, event_id) IN (SELECT platform, event_id FROM ec)
                   GROUP BY platform, event_id HAVING min(first_ingested) < {since:${DT}})
     SELECT DISTINCT intDiv(toUnixTimestamp64Milli(t), ${MINUTE}) * ${MINUTE} AS m, k FROM (
       SELECT received_at AS t, multiIf((platform, source_id) NOT IN (SELECT platform, source_id FROM rold), 'fresh',
                                        (platform, source_id) IN (SELECT platform, source_id FROM rfix), 'updated', 'progress') AS k FROM rc
       UNION ALL SELECT at, if((platform, event_id) NOT IN (SELECT platform, event_id FROM eold), 'fresh', 'updated') FROM ec
       UNION ALL SELECT at, 'updated' FROM events WHERE (platform, record_id) IN (SELECT platform, source_id FROM rfix))
     ORDER BY m`, { since: chTime(since) })
  const of = (k: string) => rows.filter((r) => r.k === k).map((r) => Number(r.m))
  return { fresh: of('fresh'), updated: of('updated'), progress: of('progress') }
}

interface Planned { from: number; to: number; final: boolean; reason: DetectWindowResult['reason'] }

/**
 * Windows (by start) to compute for one detector. New data dirties every window that reads it (the
 * detector's reach); a correction of something seen before dirties the windows holding its instants
 * only; a record that only progressed dirties none (its new lifecycle events are new data) but the
 * state of state detectors — recomputing windows for every status update would make each run
 * recompute history.
 */
export function planWindows(spec: DetectorSpec, cfg: DetectJobConfig, now: number, marks: { done?: number; live?: number },
  changed: Changes | null): Planned[] {
  const W = spec.windowMs
  const lastEnd = alignStart(now, W) // end of the last complete window
  const reach = spec.reach(cfg.detectors)
  const anyChange = changed === null || changed.fresh.length + changed.updated.length + changed.progress.length > 0
  const dirtyStarts = new Set<number>()
  const mark = (t: number, before: number, after: number) => {
    // Window [s, s+W) reads [s - before, s + W + after): t is read when s ∈ (t - W - after, t + before].
    const hi = alignStart(t + before, W)
    for (let s = alignStart(t - W - after, W) + W; s <= hi; s += W) dirtyStarts.add(s)
  }
  for (const t of changed?.fresh ?? []) mark(t, reach.before, reach.after)
  for (const t of changed?.updated ?? []) mark(t, 0, 0)
  const out: Planned[] = []
  if (spec.state) {
    if (lastEnd > (marks.done ?? -Infinity) || anyChange) out.push({ from: lastEnd - W, to: lastEnd, final: true, reason: 'state' })
    return out
  }
  const catchUpFrom = alignStart(now - cfg.catchUpDays * DAY, W)
  const start = Math.max(marks.done ?? -Infinity, catchUpFrom)
  const horizon = alignStart(now - cfg.recomputeDays * DAY, W)
  for (const s of [...dirtyStarts].sort((a, b) => a - b))
    if (s >= horizon && s < start && s + W <= lastEnd) out.push({ from: s, to: s + W, final: true, reason: 'dirty' })
  for (let s = start; s + W <= lastEnd; s += W) out.push({ from: s, to: s + W, final: true, reason: 'missed' })
  // Due once per `now` (or when its data changed), but not more often than liveEveryMin; a new window always is.
  const liveDue = marks.live === undefined || marks.live < lastEnd || now - marks.live >= (cfg.liveEveryMin?.[spec.name] ?? 0) * MINUTE
  if (spec.live && now > lastEnd && ((liveDue && (marks.live !== now || dirtyStarts.has(lastEnd))) || changed === null))
    out.push({ from: lastEnd, to: now, final: false, reason: 'live' })
  return out
}

/** Consecutive complete windows merged into calls spanning at most maxSpanMs (live and state stay alone). */
function chunk(spec: DetectorSpec, ws: Planned[]): Planned[] {
  const out: Planned[] = []
  for (const w of ws) {
    const cur = out.at(-1)
    if (cur && cur.final && w.final && cur.reason === w.reason && cur.to === w.from && w.to - cur.from <= spec.maxSpanMs) cur.to = w.to
    else out.push({ ...w })
  }
  return out
}

export async function runDetectJob(db: Db, o: DetectJobOptions): Promise<DetectSummary> {
  const now = o.now ?? Date.now()
  const cfg: DetectJobConfig = { ...DEFAULT_DETECT_JOB, ...o.cfg }
  const settleMs = o.settleMs ?? 60_000
  const specs = o.detectors ?? DETECTORS
  // Taken before looking for changes: whatever is ingested from here on is the next run's business.
  const startedAt = Date.now()
  // This run's settle margin as seen now, before any change is read: stored with the marks, the next
  // run skips the margin when it finds it unchanged.
  const ownSig = await marginSig(db, startedAt - settleMs, startedAt)
  const marks = await readMarks(db, specs.flatMap((s) => [markKey(s.name), markKey(s.name, 'done'), markKey(s.name, 'live')]))
  const settled = await readSettled(db, specs.map((s) => markKey(s.name)))
  const sigCache = new Map<number, string>()
  const summary: DetectSummary = { now, windows: [], errors: [], findings: 0, invalid: 0, detectors: [] }
  const changedCache = new Map<number, Changes>()
  for (const spec of specs) {
    const mark = marks.get(markKey(spec.name))
    let changed: Changes | null = null
    if (mark !== undefined) {
      // The previous run's margin is looked at again only when something in it changed since that run saw it.
      const seen = settled.get(markKey(spec.name))
      let unchanged = false
      if (seen && seen.mark === mark && settleMs > 0) {
        if (!sigCache.has(mark)) sigCache.set(mark, await marginSig(db, mark - settleMs, mark))
        unchanged = sigCache.get(mark) === seen.sig
      }
      const since = unchanged ? mark : mark - settleMs
      if (!changedCache.has(since)) changedCache.set(since, await changes(db, since))
      changed = changedCache.get(since)!
    }
    const plan = chunk(spec, planWindows(spec, cfg, now, { done: marks.get(markKey(spec.name, 'done')), live: marks.get(markKey(spec.name, 'live')) }, changed))
    let ok = true
    let found = 0
    let done = 0
    const lastEnd = alignStart(now, spec.windowMs)
    const horizon = alignStart(now - cfg.recomputeDays * DAY, spec.windowMs)
    for (const w of plan) {
      const t0 = Date.now()
      try {
        if (w.final && !spec.state && o.withdrawal) {
          // Widen to the windows of open items it overlaps (whole windows, complete, within a day's span).
          for (const h of await o.withdrawal.hulls(spec.kind, w)) {
            const from = Math.max(horizon, Math.min(w.from, alignStart(h.from, spec.windowMs)))
            const to = Math.min(lastEnd, Math.max(w.to, alignStart(h.to - 1, spec.windowMs) + spec.windowMs))
            if (to - from <= Math.max(w.to - w.from, DAY)) { w.from = from; w.to = to }
          }
        }
        const raw = await spec.run(db, { from: w.from, to: w.to }, cfg.detectors)
        // A finding that breaks the contract is dropped (and logged) rather than refused by the sink with the rest.
        const findings: Finding[] = []
        for (const f of raw) {
          const p = Finding.safeParse(f)
          if (p.success) findings.push(p.data)
          else {
            summary.invalid++
            o.log?.error({ detector: spec.name, fingerprint: String(f.fingerprint).slice(0, 200), issues: p.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) }, 'finding breaks the contract; dropped')
          }
        }
        if (findings.length) await o.sink(findings, w.final ? { from: w.from, to: w.to } : { from: w.from, to: w.from + spec.windowMs })
        if (w.final && o.withdrawal) await o.withdrawal.withdraw(spec.kind, { from: w.from, to: w.to }, [...new Set(findings.map((f) => f.fingerprint))], !!spec.state)
        found += findings.length
        done++
        summary.windows.push({ detector: spec.name, from: w.from, to: w.to, final: w.final, reason: w.reason, findings: findings.length, ms: Date.now() - t0 })
        await db.insert({
          table: 'job_windows',
          values: [{ job: markKey(spec.name), window_start: chTime(w.from).slice(0, 19), window_end: chTime(w.to).slice(0, 19), final: w.final ? 1 : 0, rows: findings.length, completed_at: chTime(Date.now()) }],
          format: 'JSONEachRow',
        })
      } catch (err) {
        ok = false
        const error = err instanceof Error ? err.message : String(err)
        summary.errors.push({ detector: spec.name, from: w.from, to: w.to, error })
        o.log?.error({ detector: spec.name, from: chTime(w.from), to: chTime(w.to), err: error }, 'detector failed; its windows are retried on the next run')
        break
      }
    }
    summary.findings += found
    const doneMark = marks.get(markKey(spec.name, 'done'))
    const catchUpFrom = alignStart(now - cfg.catchUpDays * DAY, spec.windowMs)
    const skipped = !spec.state && doneMark !== undefined && doneMark < catchUpFrom ? Math.round((catchUpFrom - doneMark) / spec.windowMs) : 0
    if (skipped) o.log?.warn?.({ detector: spec.name, skipped, from: chTime(doneMark!), to: chTime(catchUpFrom) }, 'windows older than the catch-up horizon were not computed')
    summary.detectors.push({ name: spec.name, ok, windows: done, findings: found, skipped })
    if (!ok) continue
    // Only a detector that computed all its windows moves its marks; a failed one is repeated.
    const values = [{ job: markKey(spec.name), mark: chTime(startedAt) }, { job: markKey(spec.name, 'done'), mark: chTime(lastEnd) }]
    if (spec.live && now > lastEnd && plan.some((w) => w.reason === 'live')) values.push({ job: markKey(spec.name, 'live'), mark: chTime(now) })
    await db.insert({ table: 'job_marks', values, format: 'JSONEachRow' })
    await db.insert({ table: 'job_settled', values: [{ job: markKey(spec.name), mark: chTime(startedAt), sig: ownSig }], format: 'JSONEachRow' })
  }
  if (summary.windows.length || summary.errors.length)
    o.log?.info({ windows: summary.windows.length, findings: summary.findings, errors: summary.errors.length }, 'detect run')
  return summary
}
