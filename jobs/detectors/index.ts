// The detectors and how the detect job schedules each: its window length, how many consecutive windows
// one call may cover when catching up, which data a window reads (so late data finds the windows it
// feeds), and whether it judges a state as of the window's end (only the latest window matters).
import type { Finding, FindingKind } from '../../model/finding'
import { type Db, type Window, DAY, HOUR, MIN } from './common'
import { DEFAULT_DISPUTED_CATEGORY, type DisputedCategoryConfig, detectDisputedCategories } from './disputed-category'
import { DEFAULT_JURISDICTION, type JurisdictionConfig, detectJurisdiction } from './jurisdiction'
import { DEFAULT_REPEAT_CALLER, type RepeatCallerConfig, detectRepeatCallers } from './repeat-caller'
import { DEFAULT_EMERGENCY, type EmergencyConfig, detectEmergencies } from './emergency'
import { DEFAULT_SURGE, type SurgeConfig, detectSurges } from './surge'
import { DEFAULT_OVERDUE, type OverdueConfig, detectOverdue } from './overdue'
import { DEFAULT_RISK_CLUSTER, type RiskClusterConfig, detectRiskClusters } from './risk-cluster'
import { DEFAULT_CROSS_PLATFORM_PLACE, type CrossPlatformPlaceConfig, detectCrossPlatformPlaces } from './cross-platform-place'
import { DEFAULT_NEW_TOPIC, type NewTopicConfig, detectNewTopics } from './new-topic'

export type { Window, Db }
export * from './disputed-category'
export * from './jurisdiction'
export * from './repeat-caller'
export * from './emergency'
export * from './surge'
export * from './overdue'
export * from './risk-cluster'
export * from './cross-platform-place'
export * from './new-topic'

export interface DetectorsConfig {
  disputed_category: DisputedCategoryConfig
  jurisdiction: JurisdictionConfig
  repeat_caller: RepeatCallerConfig
  emergency: EmergencyConfig
  surge: SurgeConfig
  overdue: OverdueConfig
  risk_cluster: RiskClusterConfig
  cross_platform_place: CrossPlatformPlaceConfig
  new_topic: NewTopicConfig
}

export const DEFAULT_DETECTORS_CONFIG: DetectorsConfig = {
  disputed_category: DEFAULT_DISPUTED_CATEGORY,
  jurisdiction: DEFAULT_JURISDICTION,
  repeat_caller: DEFAULT_REPEAT_CALLER,
  emergency: DEFAULT_EMERGENCY,
  surge: DEFAULT_SURGE,
  overdue: DEFAULT_OVERDUE,
  risk_cluster: DEFAULT_RISK_CLUSTER,
  cross_platform_place: DEFAULT_CROSS_PLATFORM_PLACE,
  new_topic: DEFAULT_NEW_TOPIC,
}

/** Defaults with some values replaced (one level deep per detector). */
export function detectorsConfig(over: { [K in keyof DetectorsConfig]?: Partial<DetectorsConfig[K]> } = {}): DetectorsConfig {
  const out = { ...DEFAULT_DETECTORS_CONFIG } as Record<string, unknown>
  for (const [k, v] of Object.entries(over)) out[k] = { ...(DEFAULT_DETECTORS_CONFIG as unknown as Record<string, object>)[k], ...v }
  return out as unknown as DetectorsConfig
}

export interface DetectorSpec {
  /** Stable name: the job's state (marks, windows) is kept under `detect:<name>`. */
  name: string
  kind: FindingKind
  /** Window length; windows are aligned to Asia/Shanghai midnight. */
  windowMs: number
  /** When catching up, consecutive windows are merged into one call spanning at most this. */
  maxSpanMs: number
  /**
   * What a window [from, to) reads: data at instants in [from - before, to + after). A change at t makes
   * every window whose reach holds t dirty.
   */
  reach: (cfg: DetectorsConfig) => { before: number; after: number }
  /** Judges the state as of the window's end: only the latest window is computed, never history. */
  state?: boolean
  /** Also computes the unfinished current window [start, now) on every run (once per `now`). */
  live?: boolean
  run: (db: Db, w: Window, cfg: DetectorsConfig) => Promise<Finding[]>
}

export const DETECTORS: DetectorSpec[] = [
  {
    // Live: the day so far is judged as the last of `windows` rolling windows ending now. A call over
    // several days judges each day's end from one read (see detectDisputedCategories).
    name: 'disputed_category', kind: 'disputed_category', windowMs: DAY, maxSpanMs: 30 * DAY, live: true,
    // Reads the last `windows` windows; a record's category change moves its events' disputes.
    reach: (c) => ({ before: c.disputed_category.windows * c.disputed_category.windowDays * DAY, after: 0 }),
    run: (db, w, c) => detectDisputedCategories(db, w, c.disputed_category),
  },
  {
    // A call over several days judges day by day from one read (see detectJurisdiction); a week per
    // call bounds the records held in memory (their events over lookbackDays).
    name: 'jurisdiction', kind: 'jurisdiction_conflict', windowMs: HOUR, maxSpanMs: 30 * DAY,
    reach: (c) => ({ before: (c.jurisdiction.periodDays + c.jurisdiction.lookbackDays) * DAY, after: 0 }), live: true,
    run: (db, w, c) => detectJurisdiction(db, w, c.jurisdiction),
  },
  {
    name: 'repeat_caller', kind: 'repeat_caller', windowMs: HOUR, maxSpanMs: 30 * DAY,
    reach: (c) => ({ before: c.repeat_caller.lookbackDays * DAY, after: 0 }), live: true,
    run: (db, w, c) => detectRepeatCallers(db, w, c.repeat_caller),
  },
  {
    // One-minute windows, judged once ended: raised at most a minute (plus the schedule's period) after the limit passed.
    // A call judges each record by its own deadline, so one call may span many windows: catching up
    // 90 days takes 3 calls instead of 90 (each call's cost is mostly fixed).
    name: 'emergency', kind: 'emergency_unreferred', windowMs: MIN, maxSpanMs: 30 * DAY,
    reach: (c) => ({ before: c.emergency.limitMin * MIN, after: 0 }),
    run: (db, w, c) => detectEmergencies(db, w, c.emergency),
  },
  {
    // A call judges every sliding hour ending inside it (see detectSurges), so it may span many windows.
    name: 'surge', kind: 'surge', windowMs: HOUR, maxSpanMs: 30 * DAY, live: true,
    // A window judges the sliding 60 minutes ending in it: late data recomputes the windows of the
    // hour after it. The hours it is a baseline for (the same hour in the next
    // weeks) are not recomputed: that would mean every hour of those weeks.
    reach: () => ({ before: HOUR, after: 0 }),
    run: (db, w, c) => detectSurges(db, w, c.surge),
  },
  {
    name: 'overdue', kind: 'overdue', windowMs: HOUR, maxSpanMs: HOUR, state: true,
    reach: (c) => ({ before: c.overdue.lookbackDays * DAY, after: 0 }),
    run: (db, w, c) => detectOverdue(db, w, c.overdue),
  },
  {
    // Five-minute windows, judged once ended (not live: a window's read is the `hours` before it, so
    // the last complete five minutes see a burst as it builds, raised at most five minutes late).
    // A window reads the `hours` before it: a cluster ends at an anchor received in the window.
    // A call over several days judges day by day from one read (see detectRiskClusters); three days
    // keep a large city's read under maxRecords.
    name: 'risk_cluster', kind: 'risk_cluster', windowMs: 5 * MIN, maxSpanMs: 3 * DAY,
    reach: (c) => ({ before: c.risk_cluster.hours * HOUR, after: 0 }),
    run: (db, w, c) => detectRiskClusters(db, w, c.risk_cluster),
  },
  {
    // Ten-minute windows: a complaint or incident received in the window links to the other
    // platform's records of the `days` before it. A call over several days judges day by day from one
    // read (see detectCrossPlatformPlaces): a week reads 10 days once instead of 7 × 4 days.
    name: 'cross_platform_place', kind: 'cross_platform_place', windowMs: 10 * MIN, maxSpanMs: 7 * DAY,
    reach: (c) => ({ before: c.cross_platform_place.days * DAY, after: 0 }),
    run: (db, w, c) => detectCrossPlatformPlaces(db, w, c.cross_platform_place),
  },
  {
    // Hourly: each call judges the `windowHours` up to its end against the `baselineDays` before; a
    // catch-up call over several days judges each day's end (see detectNewTopics), its days' counts
    // and records read in one scan each: 30 days a call, as one scan's cost is mostly fixed.
    // Late data also changes later windows' baselines; those are not recomputed (as for surges).
    name: 'new_topic', kind: 'new_topic', windowMs: HOUR, maxSpanMs: 30 * DAY,
    reach: (c) => ({ before: c.new_topic.windowHours * HOUR, after: 0 }),
    run: (db, w, c) => detectNewTopics(db, w, c.new_topic),
  },
]
