// Drives a Simulator against an ingest sink: backfill first, then live ticks until aborted.
// The sink is injected (the app POSTs NDJSON to its own /api/ingest/records|events), so this
// file knows nothing about HTTP and tests can collect the lines directly.
import { type Batch, Simulator, type SimulatorOptions } from './simulator'

export type PostFn = (kind: 'records' | 'events', ndjson: string) => Promise<void>
export interface Log {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
}
export interface RunOptions {
  post: PostFn
  scale?: number // default 0.3
  days?: number // backfill, default 7
  seed?: number // default 1
  tickMs?: number // default 1000
  log?: Log
  signal?: AbortSignal
  /** Planted scenarios (see scenarios.ts); default off. */
  scenarios?: SimulatorOptions['scenarios']
  /** Clock, for tests (default Date.now). */
  clock?: () => number
}

/** Lines per POST: the ingest endpoint takes batches of at most this many. */
export const MAX_LINES = 5000

const silent: Log = { info() {}, warn() {} }

async function send(post: PostFn, kind: 'records' | 'events', items: object[], log: Log, signal?: AbortSignal): Promise<void> {
  for (let i = 0; i < items.length; i += MAX_LINES) {
    if (signal?.aborted) return // stopping: a POST cut short by the abort is not a failure
    const ndjson = items.slice(i, i + MAX_LINES).map((x) => JSON.stringify(x)).join('\n') + '\n'
    try {
      await post(kind, ndjson)
    } catch (err) {
      if (signal?.aborted) return
      // A failed POST must not stop the stream; the next snapshot of each record supersedes it.
      log.warn({ err: String(err), kind, lines: Math.min(MAX_LINES, items.length - i) }, 'simulator post failed')
    }
  }
}

/** Records before events in every batch, so an event's record (and counterpart) already exists. */
async function deliver(post: PostFn, b: Batch, log: Log, signal?: AbortSignal) {
  if (b.records.length) await send(post, 'records', b.records, log, signal)
  if (b.events.length) await send(post, 'events', b.events, log, signal)
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const t = setTimeout(done, ms)
    function done() {
      clearTimeout(t)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}

export async function runSimulator(opts: RunOptions): Promise<void> {
  const { post, scale = 0.3, days = 7, seed = 1, tickMs = 1000, log = silent, signal, clock = Date.now } = opts
  const sim = new Simulator({ seed, scale, now: clock(), scenarios: opts.scenarios })
  const started = clock()
  let records = 0
  let events = 0
  // Hours are gathered into full POSTs: each POST waits for its ClickHouse batch, so many small
  // sequential ones would make the backfill crawl.
  // One delivery stays in flight while the next is generated, so generating and storing overlap.
  let pending: Batch = { records: [], events: [] }
  let inFlight: Promise<void> = Promise.resolve()
  for (const b of sim.backfill(days)) {
    if (signal?.aborted) return
    pending.records.push(...b.records)
    pending.events.push(...b.events)
    records += b.records.length
    events += b.events.length
    if (pending.records.length + pending.events.length >= MAX_LINES) {
      await inFlight
      inFlight = deliver(post, pending, log, signal)
      pending = { records: [], events: [] }
    }
  }
  await inFlight
  await deliver(post, pending, log, signal)
  log.info({ days, scale, seed, records, events, open: sim.openMatters, ms: clock() - started }, 'simulator backfill done')

  // Live: tick against the clock; report volume once a minute.
  let lastReport = clock()
  records = events = 0
  while (!signal?.aborted) {
    await sleep(tickMs, signal)
    if (signal?.aborted) break
    const b = sim.tick(clock())
    await deliver(post, b, log, signal)
    records += b.records.length
    events += b.events.length
    if (clock() - lastReport >= 60_000) {
      log.info({ records, events, open: sim.openMatters }, 'simulator live')
      lastReport = clock()
      records = events = 0
    }
  }
  log.info({ open: sim.openMatters }, 'simulator stopped')
}
