// Polls the dashboard endpoints and keeps the last good data.
//
// - one cycle fetches the regular endpoints in parallel (metrics, consultation items); the next cycle starts only after the previous one
//   finished (no overlapping requests), INTERVAL_MS after the previous cycle started;
// - each request has its own AbortController timeout;
// - responses are validated with the shared zod schemas; an invalid or failed response leaves the
//   previous data in place and records the error; polling always continues;
// - a response equal to the previous one (ignoring generated_at) keeps the previous object, so
//   charts are not redrawn needlessly; nothing accumulates across cycles;
// - slow endpoints (hot issues: the server segments the window's text, cached 30 s) are fetched apart
//   from the cycle, at most every `everyMs`, with their own longer timeout, so they never hold up the
//   figures; their errors show like the others', but they are not part of lastSuccess.
//
// Exposes a Svelte-compatible store (`subscribe`) so components can read `$poll`.
import type { z } from 'zod'
import { Overview, ByRegion, Bounces, ItemList, Hotspots } from '../../model/api'

/** Poll period; VITE_POLL_MS at build time can shorten it (≤ 5000 ms is required of the dashboard). */
export const INTERVAL_MS = Math.min(5000, Number(import.meta.env?.VITE_POLL_MS) || 3000)
export const TIMEOUT_MS = 2500

interface EndpointDef<T> {
  url: string
  schema: z.ZodType<T>
  /** Fetched apart from the cycle: at most every everyMs, with this timeout (see above). */
  slow?: { everyMs: number; timeoutMs: number }
}

export type EndpointKey = 'overview' | 'byRegion' | 'bounces' | 'items' | 'hotspots'

export interface EndpointStatus {
  okAt: number | null // epoch ms of the last valid response
  error: string | null // error of the latest attempt, null if it succeeded
  errorAt: number | null
  /** 403: this credential may not read it (e.g. city-wide bounces for a county-scoped user); not an error. */
  forbidden?: string
}

/** A 403: the endpoint is not for this credential; shown as such, not as a failed refresh. */
class Forbidden extends Error {}

export interface PollState {
  overview: Overview | null
  byRegion: ByRegion | null
  bounces: Bounces | null
  /** The latest consultation items (newest first): the wall's ticker. */
  items: ItemList | null
  /** Hot issues from the appeal text, ranked by heat (a slow endpoint). */
  hotspots: Hotspots | null
  /** Oldest okAt across the regular (not slow) endpoints: the figures on screen are at least this fresh. null until each succeeded once. */
  lastSuccess: number | null
  /** Errors of each endpoint's latest attempt joined ('总览: HTTP 500；…'), null if all were clean. */
  lastError: string | null
  lastErrorAt: number | null
  /** Start time of the latest finished cycle. */
  lastAttempt: number | null
  endpoints: Record<EndpointKey, EndpointStatus>
}

const ENDPOINTS: { [K in EndpointKey]: EndpointDef<NonNullable<PollState[K]>> } = {
  overview: { url: '/api/metrics/overview?bucket=day', schema: Overview },
  byRegion: { url: '/api/metrics/by-region', schema: ByRegion },
  bounces: { url: '/api/metrics/bounces?days=14', schema: Bounces },
  items: { url: '/api/items?order=recent&limit=10', schema: ItemList },
  hotspots: { url: '/api/hotspots?limit=8', schema: Hotspots, slow: { everyMs: 30_000, timeoutMs: 60_000 } },
}
const KEYS = Object.keys(ENDPOINTS) as EndpointKey[]
const CYCLE_KEYS = KEYS.filter((k) => !ENDPOINTS[k].slow)
const SLOW_KEYS = KEYS.filter((k) => ENDPOINTS[k].slow)

const ENDPOINT_LABEL: Record<EndpointKey, string> = { overview: '总览', byRegion: '区县', bounces: '退回', items: '会商事项', hotspots: '热点' }

function initialState(): PollState {
  const ep = (): EndpointStatus => ({ okAt: null, error: null, errorAt: null })
  return {
    overview: null,
    byRegion: null,
    bounces: null,
    items: null,
    hotspots: null,
    lastSuccess: null,
    lastError: null,
    lastErrorAt: null,
    lastAttempt: null,
    endpoints: { overview: ep(), byRegion: ep(), bounces: ep(), items: ep(), hotspots: ep() },
  }
}

/** JSON of a response without the per-request generated_at, to detect unchanged data. */
function signature(data: unknown): string {
  return JSON.stringify(data, (k, v) => (k === 'generated_at' ? undefined : v))
}

function describe(err: unknown): string {
  if (err instanceof DOMException && (err.name === 'AbortError' || err.name === 'TimeoutError')) return '请求超时'
  if (err instanceof Error) return err.message
  return String(err)
}

export interface PollerOptions {
  intervalMs?: number
  timeoutMs?: number
  fetch?: typeof fetch
}

export type Subscriber = (s: PollState) => void

export class Poller {
  private state: PollState = initialState()
  private readonly sigs: Partial<Record<EndpointKey, string>> = {}
  private readonly subscribers = new Set<Subscriber>()
  private timer: ReturnType<typeof setTimeout> | null = null
  private running = false
  private inFlight = false
  private readonly controllers = new Set<AbortController>()
  private readonly intervalMs: number
  private readonly timeoutMs: number
  private readonly doFetch: typeof fetch
  /** Slow endpoints: when each was last started, and which are in flight. */
  private readonly slowStarted: Partial<Record<EndpointKey, number>> = {}
  private readonly slowInFlight = new Set<EndpointKey>()
  /** Bumped by reset(): a slow answer that arrives afterwards belongs to the previous user and is dropped. */
  private generation = 0

  constructor(opts: PollerOptions = {}) {
    this.intervalMs = opts.intervalMs ?? INTERVAL_MS
    this.timeoutMs = opts.timeoutMs ?? Math.min(TIMEOUT_MS, (opts.intervalMs ?? INTERVAL_MS) - 100)
    this.doFetch = opts.fetch ?? ((input, init) => globalThis.fetch(input, init))
  }

  get(): PollState {
    return this.state
  }

  /** Svelte store contract: called now and on every change; polling runs while anyone listens. */
  subscribe(fn: Subscriber): () => void {
    this.subscribers.add(fn)
    fn(this.state)
    if (this.subscribers.size === 1) this.start()
    return () => {
      this.subscribers.delete(fn)
      if (this.subscribers.size === 0) this.stop()
    }
  }

  /** Forgets all data and errors (at sign-out: the next user sees nothing of the previous one's figures). */
  reset(): void {
    this.state = initialState()
    this.generation++
    for (const k of KEYS) {
      delete this.sigs[k]
      delete this.slowStarted[k]
    }
    for (const fn of this.subscribers) fn(this.state)
  }

  start(): void {
    if (this.running) return
    this.running = true
    if (!this.inFlight) void this.cycle()
  }

  stop(): void {
    this.running = false
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    for (const c of this.controllers) c.abort()
  }

  private async fetchOne<K extends EndpointKey>(key: K): Promise<NonNullable<PollState[K]>> {
    const { url, schema, slow } = ENDPOINTS[key]
    const ctrl = new AbortController()
    this.controllers.add(ctrl)
    const t = setTimeout(() => ctrl.abort(new DOMException('timeout', 'TimeoutError')), slow?.timeoutMs ?? this.timeoutMs)
    try {
      // Credentials travel as cookies (a session, or a wall screen's token): same origin, sent by the browser.
      const res = await this.doFetch(url, { signal: ctrl.signal, cache: 'no-store', headers: { accept: 'application/json' } })
      if (res.status === 403) throw new Forbidden(((await res.json().catch(() => null)) as { error?: string } | null)?.error ?? 'HTTP 403')
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
      const json: unknown = await res.json()
      const parsed = schema.safeParse(json)
      if (!parsed.success) {
        const i = parsed.error.issues[0]
        throw new Error(`数据格式无效 (${i ? i.path.map(String).join('.') + ': ' + i.message : 'schema'})`)
      }
      return parsed.data
    } catch (err) {
      if (ctrl.signal.aborted) throw new DOMException('timeout', 'TimeoutError')
      throw err
    } finally {
      clearTimeout(t)
      this.controllers.delete(ctrl)
    }
  }

  /** Puts one endpoint's outcome into `next` (its data, or its error, or forbidden). */
  private apply<K extends EndpointKey>(next: PollState, key: K, r: PromiseSettledResult<NonNullable<PollState[K]>>, now: number): void {
    if (r.status === 'fulfilled') {
      const sig = signature(r.value)
      // Keep the previous object when nothing changed: no redraw downstream.
      if (sig !== this.sigs[key] || next[key] === null) {
        this.sigs[key] = sig
        ;(next as Record<EndpointKey, unknown>)[key] = r.value
      }
      next.endpoints[key] = { okAt: now, error: null, errorAt: null }
    } else if (r.reason instanceof Forbidden) {
      ;(next as Record<EndpointKey, unknown>)[key] = null
      delete this.sigs[key]
      next.endpoints[key] = { okAt: now, error: null, errorAt: null, forbidden: r.reason.message }
    } else {
      const msg = describe(r.reason)
      next.endpoints[key] = { ...next.endpoints[key], error: msg, errorAt: now }
    }
  }

  /** Publishes `next`: lastSuccess over the regular endpoints, lastError over every endpoint's latest attempt. */
  private publish(next: PollState, now: number): void {
    const oks = CYCLE_KEYS.map((k) => next.endpoints[k].okAt)
    next.lastSuccess = oks.every((t) => t !== null) ? Math.min(...(oks as number[])) : null
    const errors = KEYS.filter((k) => next.endpoints[k].error !== null).map((k) => `${ENDPOINT_LABEL[k]}: ${next.endpoints[k].error}`)
    next.lastError = errors.length ? errors.join('；') : null
    if (errors.length) next.lastErrorAt = now
    this.state = next
    for (const fn of this.subscribers) fn(next)
  }

  /** Starts each slow endpoint that is due and not in flight; its answer is published when it arrives. */
  private startSlow(now: number): void {
    for (const key of SLOW_KEYS) {
      const every = ENDPOINTS[key].slow!.everyMs
      if (this.slowInFlight.has(key) || now - (this.slowStarted[key] ?? -Infinity) < every) continue
      this.slowStarted[key] = now
      this.slowInFlight.add(key)
      const gen = this.generation
      void Promise.allSettled([this.fetchOne(key)]).then(([r]) => {
        this.slowInFlight.delete(key)
        if (!this.running) delete this.slowStarted[key] // stopped (aborted): fetch again as soon as polling restarts
        if (!this.running || gen !== this.generation) return
        const at = Date.now()
        const next: PollState = { ...this.state, endpoints: { ...this.state.endpoints } }
        this.apply(next, key, r, at)
        this.publish(next, at)
      })
    }
  }

  private async cycle(): Promise<void> {
    if (this.inFlight) return
    this.inFlight = true
    const started = Date.now()
    try {
      this.startSlow(started)
      const results = await Promise.allSettled(CYCLE_KEYS.map((k) => this.fetchOne(k)))
      if (!this.running) return
      const now = Date.now()
      const next: PollState = { ...this.state, endpoints: { ...this.state.endpoints }, lastAttempt: started }
      CYCLE_KEYS.forEach((key, i) => this.apply(next, key, results[i] as PromiseSettledResult<never>, now))
      this.publish(next, now)
    } finally {
      this.inFlight = false
      if (this.running) {
        const wait = Math.max(200, this.intervalMs - (Date.now() - started))
        this.timer = setTimeout(() => {
          this.timer = null
          void this.cycle()
        }, wait)
      }
    }
  }
}

/** The dashboard's shared poller (starts on first subscription). */
export const poll = new Poller()
