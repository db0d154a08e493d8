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
  // computed_at orders a day's computations: keep it growing even for two runs in one millisecond.
  let at = o.now ?? Date.now()
  for (const d of todo) {
    const start = parseTimestamp(`${d.day} 00:00`)
    if (start === null) throw new Error(`rollup: bad day ${d.day}`)
    at = nextComputedAt(at)
    await r.computeDay(start, at, d.sources)
  }
  if (todo.length && Date.now() - lastPrune >= (o.pruneEveryMs ?? 600_000)) {
    await r.prune()
    lastPrune = Date.now()
  }
  return { days: todo.map((d) => d.day), left: stale.length - todo.length }
}

let last = 0
let lastPrune = 0
function nextComputedAt(t: number): number {
  last = Math.max(t, last + 1)
  return last
}
