// The stream: arrivals per platform and hour (Poisson around the rhythm), each matter planned
// in full on arrival, and replay of what changed since the last call.
//
// Determinism: every hour slot of every platform has its own RNG derived from (seed, platform,
// hour), so the same seed yields the same matters and ids whatever the tick cadence.
// Memory: only matters with changes still to come are kept (a heap ordered by next change), plus
// the not-yet-arrived part of the current hour; lifetimes are capped, so the set is bounded.
import type { EventInput, Platform, RecordInput } from '../../model/record'
import { type MatterPlan, planMatter } from './matter'
import { PhonePool } from './phones'
import { Rng, hash32 } from './random'
import { DAILY_VOLUME, DAY_MS, HOUR_MS, expectedPerHour } from './rhythm'
import { matterChanges } from './snapshot'
import { type PlantedScenario, type ScenarioOptions, planScenarios, scenarioPlans } from './scenarios'

export interface SimulatorOptions {
  seed?: number
  /** 1 ≈ Zhengzhou volume (12,000 work orders + 6,000 incidents a day). */
  scale?: number
  /** The simulated present, epoch ms (default: the wall clock). */
  now?: number
  /**
   * Plant the scenarios of scenarios.ts (what the detectors should raise) into the history and the
   * live stream: true, or their options (anchor: the simulated now; default off).
   */
  scenarios?: boolean | Partial<Omit<ScenarioOptions, 'seed'>>
}
export interface Batch {
  records: RecordInput[]
  events: EventInput[]
}

interface Open {
  plan: MatterPlan
  /** Everything up to this instant has been emitted. */
  emitted: number
  /** Next change after `emitted` (heap key). */
  next: number
}

const PLATFORMS: Platform[] = ['12345', '110']

export class Simulator {
  readonly seed: number
  readonly scale: number
  private now: number
  private nextSlot: number // start of the first hour slot not yet planned
  private future: MatterPlan[] = [] // planned, not yet received (sorted by arrival)
  private heap: Open[] = []
  private phones: PhonePool
  /** The planted scenarios with their ground truth (empty unless the option is on). */
  readonly scenarios: PlantedScenario[] = []
  private planted: MatterPlan[] = []

  constructor({ seed = 1, scale = 0.3, now = Date.now(), scenarios = false }: SimulatorOptions = {}) {
    this.seed = seed
    this.scale = scale
    this.now = now
    this.nextSlot = Math.floor(now / HOUR_MS) * HOUR_MS
    // Repeat callers: a pool about a fifth of a day's callers.
    this.phones = new PhonePool(seed, ((DAILY_VOLUME['12345'] + DAILY_VOLUME['110']) * scale) / 5)
    if (scenarios) {
      this.scenarios = planScenarios({ seed, anchor: now, ...(typeof scenarios === 'object' ? scenarios : {}) })
      this.planted = scenarioPlans(this.scenarios)
    }
  }

  /** Matters held in memory (open or about to arrive): bounded by volume × lifetime. */
  get openMatters(): number {
    return this.heap.length + this.future.length
  }

  /**
   * Fill the past `days` up to the simulated now, one batch per simulated hour: the records of
   * the matters received in that hour as they stand now, and their events up to now.
   * Call it once, before the first tick.
   */
  *backfill(days: number): Generator<Batch> {
    if (this.heap.length || this.future.length) throw new Error('backfill must come before tick')
    const now = this.now
    this.nextSlot = Math.floor((now - days * DAY_MS) / HOUR_MS) * HOUR_MS
    while (this.nextSlot <= now) {
      const plans = this.planSlot(this.nextSlot)
      this.nextSlot += HOUR_MS
      const batch: Batch = { records: [], events: [] }
      for (const p of plans) {
        if (p.records[0].fixed.received_at > now) {
          this.future.push(p)
          continue
        }
        const o: Open = { plan: p, emitted: -Infinity, next: 0 }
        this.emit(o, now, batch)
        this.keep(o)
      }
      yield batch
    }
  }

  /** Everything that happened in (previous now, nowMs]: new and changed records, new events. */
  tick(nowMs: number): Batch {
    const batch: Batch = { records: [], events: [] }
    if (nowMs <= this.now) return batch
    // Plan the hours reached, then let arrivals up to now join the open set.
    while (this.nextSlot <= nowMs) {
      this.future.push(...this.planSlot(this.nextSlot))
      this.nextSlot += HOUR_MS
    }
    let i = 0
    while (i < this.future.length && this.future[i].records[0].fixed.received_at <= nowMs) {
      this.push({ plan: this.future[i], emitted: -Infinity, next: this.future[i].changes[0] })
      i++
    }
    this.future.splice(0, i)
    while (this.heap.length && this.heap[0].next <= nowMs) {
      const o = this.pop()
      this.emit(o, nowMs, batch)
      this.keep(o)
    }
    this.now = nowMs
    return batch
  }

  private planSlot(slot: number): MatterPlan[] {
    const out: MatterPlan[] = []
    for (const p of PLATFORMS) {
      const rng = new Rng(hash32(this.seed, p, slot / HOUR_MS))
      const n = rng.poisson(expectedPerHour(p, slot, this.scale))
      const times = Array.from({ length: n }, () => slot + Math.floor(rng.next() * HOUR_MS)).sort((a, b) => a - b)
      times.forEach((t, k) => out.push(planMatter(rng, p, t, { seq: k + 1, phones: this.phones })))
    }
    for (const p of this.planted) {
      const t = p.records[0].fixed.received_at
      if (t >= slot && t < slot + HOUR_MS) out.push(p)
    }
    return out.sort((a, b) => a.records[0].fixed.received_at - b.records[0].fixed.received_at)
  }

  private emit(o: Open, t: number, batch: Batch) {
    const { records, events } = matterChanges(o.plan, o.emitted, t)
    batch.records.push(...records)
    batch.events.push(...events)
    o.emitted = t
  }

  /** Keep the matter while changes remain; a finished matter is dropped here. */
  private keep(o: Open) {
    if (o.plan.end <= o.emitted) return
    o.next = o.plan.changes.find((c) => c > o.emitted)!
    this.push(o)
  }

  // Binary min-heap on `next`.
  private push(o: Open) {
    const h = this.heap
    h.push(o)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (h[p].next <= h[i].next) break
      ;[h[p], h[i]] = [h[i], h[p]]
      i = p
    }
  }
  private pop(): Open {
    const h = this.heap
    const top = h[0]
    const last = h.pop()!
    if (h.length) {
      h[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < h.length && h[l].next < h[m].next) m = l
        if (r < h.length && h[r].next < h[m].next) m = r
        if (m === i) break
        ;[h[m], h[i]] = [h[i], h[m]]
        i = m
      }
    }
    return top
  }
}
