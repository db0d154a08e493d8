// Demo mode of `npm start`: the simulator backfills history and then streams live, through the
// product's own HTTP ingest endpoints — the same path a real source uses.
import type { Logger } from 'pino'
import type { Config } from '../../config'
import { runSimulator } from './run'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export function startDemo(baseUrl: string, cfg: Config, log: Logger, opts: { backfillDays?: number; /** a source token (main.ts creates one per start) */ token?: string; /** planted scenarios (default on: their live part completes within 20 minutes of the start); false for none */ scenarios?: boolean | { spanMs?: number } } = {}) {
  const ac = new AbortController()
  const dlog = log.child({ part: 'simulator' })
  async function post(kind: 'records' | 'events', ndjson: string): Promise<void> {
    // A 503 means nothing was stored: send the same lines again, as a real source must.
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${baseUrl}/api/ingest/${kind}`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) }, body: ndjson, signal: ac.signal })
      if (res.status !== 503) {
        const body = (await res.json()) as { rejected?: number; results?: { status: string; errors?: unknown }[] }
        if (body.rejected) dlog.warn({ kind, rejected: body.rejected, first: body.results?.find((r) => r.status === 'rejected') }, 'simulator sent rejected lines')
        return
      }
      await res.body?.cancel()
      if (attempt >= 10) throw new Error(`ingest unavailable after ${attempt} retries`)
      await sleep(500 * (attempt + 1))
    }
  }
  const done = runSimulator({
    post,
    scale: cfg.DEMO_SCALE,
    days: opts.backfillDays ?? cfg.DEMO_DAYS,
    seed: cfg.DEMO_SEED,
    tickMs: 1000,
    // Planted scenarios, so a new user sees raised items and hot issues within minutes.
    scenarios: opts.scenarios === false ? false : opts.scenarios === true || opts.scenarios === undefined ? { spanMs: 20 * 60_000 } : opts.scenarios,
    log: dlog,
    signal: ac.signal,
  }).catch((e: Error) => {
    if (!ac.signal.aborted) dlog.error({ err: e.message }, 'simulator stopped')
  })
  return {
    stop: async () => {
      ac.abort()
      await done
    },
  }
}
