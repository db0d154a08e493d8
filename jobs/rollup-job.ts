// Rollup job: recomputes the metric rollup of every day whose data changed since it was computed
// (analytics/metrics/rollup.ts; change counters in migration 019), latest days first. However long
// the scheduler was down, the next runs find every changed day from the counters alone: there is no
// mark to miss. A day changed while it was being computed is found changed again by the next run.
// Until a day is recomputed the metric queries read it raw, so answers never wait for this job.
import type { Rollups } from '../analytics/metrics/rollup'
import { parseTimestamp } from '../model/record'

export const ROLLUP_JOB = 'metric-rollups'

export interface RollupRunOptions {
  /** The instant days are computed at (their settled records are judged then). */
  now?: number
  /** At most this many days per run (the rest next run): a first run on years of history stays short. */
  maxDays?: number
  /**
   * A run starts no new day after this long (default 5 s): live data changes recent days all the time,
   * and the job shares the worker (and this machine's cores) with the detectors and the queries.
   */
  budgetMs?: number
  /**
   * Old computations are deleted at most this often (default 10 min): they are never read (readers
   * take each day's latest commit), and each delete is a mutation, too many for every 10 s run.
   */
  pruneEveryMs?: number
}

export interface RollupRunResult { days: string[]; left: number }

export async function runRollupJob(r: Rollups, o: RollupRunOptions = {}): Promise<RollupRunResult> {
  await r.ensureTables()
  const stale = await r.staleDays()
  const todo = stale.slice(0, o.maxDays ?? 62)
  const now = o.now ?? Date.now()
  const started = Date.now()
  const done: string[] = []
  for (const d of todo) {
    if (done.length && Date.now() - started >= (o.budgetMs ?? 5000)) break
    const start = parseTimestamp(`${d.day} 00:00`)
    if (start === null) throw new Error(`rollup: bad day ${d.day}`)
    await r.computeDay(start, nextComputedAt(d.day, now), d.sources)
    done.push(d.day)
  }
  if (done.length && Date.now() - lastPrune >= (o.pruneEveryMs ?? 600_000)) {
    await r.prune()
    lastPrune = Date.now()
  }
  return { days: done, left: stale.length - done.length }
}

let lastPrune = 0
// computed_at orders a day's computations (and is the instant it is judged at): it grows per day
// even for two runs in one millisecond.
const lastAt = new Map<string, number>()
function nextComputedAt(day: string, t: number): number {
  const at = Math.max(t, (lastAt.get(day) ?? 0) + 1)
  if (lastAt.size > 20_000) lastAt.clear()
  lastAt.set(day, at)
  return at
}
