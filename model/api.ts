// HTTP API response shapes, shared by the server (analytics/api) and the dashboard (web/).
import { z } from 'zod'

/**
 * How many judged records carried the timestamps a rate needs (response rates). measured is the
 * denominator; not_recorded moved on without a response time and is left out; pending is not decided
 * yet as of as_of. ratio = measured / (measured + not_recorded), null when both are 0.
 */
export const Coverage = z.object({
  judged: z.number(),
  measured: z.number(),
  not_recorded: z.number(),
  pending: z.number(),
  ratio: z.number().nullable(),
  min: z.number(), // METRICS_MIN_COVERAGE: below it the value is null
})
export type Coverage = z.infer<typeof Coverage>

/** 12345 or 110 alone, or both platforms together (labelled 两平台合计). */
export const MetricPlatform = z.enum(['12345', '110', 'both'])

/** One metric value with everything an evaluator needs to recompute it. */
export const MetricValue = z.object({
  id: z.string(), // e.g. 'response_rate_110'
  label: z.string(), // Chinese label, e.g. '110 响应率', '响应率（两平台合计）'
  platform: MetricPlatform,
  value: z.number().nullable(), // rate in [0,1], a count, or a mean in seconds; null = no data, see reason
  numerator: z.number().nullable(),
  denominator: z.number().nullable(),
  // seconds: a mean duration, numerator the summed whole seconds, denominator the intervals measured
  unit: z.enum(['count', 'ratio', 'seconds']),
  formula: z.string(), // human-readable definition, e.g. '回访解决数 / 回访联系数'
  reason: z.string().nullable(), // why value is null (nothing to judge; coverage below the minimum); else null
  coverage: Coverage.nullable(), // rates that need timestamps; null for the others
  version: z.number().int(), // of the definition (GET /api/metrics/definitions, the dictionary)
  // METRIC_TARGETS (configuration, never official): below `warn` a warning, below `target` short of it.
  target: z.number().nullable(), warn: z.number().nullable(),
})
export type MetricValue = z.infer<typeof MetricValue>

export const Window = z.object({
  from: z.string(), // ISO 8601 with +08:00
  to: z.string(),
  tz: z.literal('Asia/Shanghai'),
})

export const TrendPoint = z.object({
  bucket: z.string(), // 'YYYY-MM-DD' for day, 'YYYY-MM-DD HH:00' for hour (Asia/Shanghai)
  volume_12345: z.number(),
  volume_110: z.number(),
  transfers_to_110: z.number(),
  transfers_to_12345: z.number(),
})
export type TrendPoint = z.infer<typeof TrendPoint>

/** GET /api/metrics/overview?from=&to=&bucket=day|hour&platform=&as_of= */
export const Overview = z.object({
  window: Window,
  // The instant limits were judged at (?as_of=, default the request time): same as_of, same data → same values.
  as_of: z.string(),
  platform: z.enum(['12345', '110']).nullable(), // the platform= filter, null for both
  generated_at: z.string(),
  // Keys: see GET /api/metrics/definitions (volumes, transfers, bounce_transfers, bounced_records,
  // and each rate as <rate>_12345, <rate>_110 and <rate> for both platforms combined).
  metrics: z.record(z.string(), MetricValue),
  trend: z.array(TrendPoint),
  bucket: z.enum(['day', 'hour']),
})
export type Overview = z.infer<typeof Overview>

/** county_code of the row holding what no district can be named for (unknown sending record). */
export const UNKNOWN_REGION = 'unknown'

export const RegionRow = z.object({
  county_code: z.string(), // GB/T 2260, or UNKNOWN_REGION
  name: z.string(), // e.g. '金水区'; matches the GeoJSON feature name; '未知区域' for the unknown row
  metrics: z.record(z.string(), MetricValue), // the same keys as the overview
})
export type RegionRow = z.infer<typeof RegionRow>

/** GET /api/metrics/by-region?from=&to=&platform=&as_of= — every district plus 未知区域; they add up to the city. */
export const ByRegion = z.object({
  window: Window, as_of: z.string(), platform: z.enum(['12345', '110']).nullable(), generated_at: z.string(), regions: z.array(RegionRow),
})
export type ByRegion = z.infer<typeof ByRegion>

/** Dimensions a breakdown groups by: a record's own field; an event counts under its sending record's. */
export const DIMENSIONS = ['county', 'town', 'unit', 'category', 'channel'] as const
export const Dimension = z.enum(DIMENSIONS)
export type Dimension = z.infer<typeof Dimension>

/** One value of the dimension ('' when records carry none, or an event's sending record is unknown). */
export const BreakdownRow = z.object({ key: z.string(), name: z.string(), metrics: z.record(z.string(), MetricValue) })
/**
 * GET /api/metrics/breakdown?dim=&from=&to=&platform=&as_of=&county=&unit=&category=&channel= — every value
 * of the dimension seen in the window (records, or events' sending records), largest first; counts and
 * each rate's parts add up to the overview's under the same filters.
 */
export const Breakdown = z.object({
  window: Window, as_of: z.string(), platform: z.enum(['12345', '110']).nullable(), generated_at: z.string(), dim: Dimension,
  filters: z.record(z.string(), z.string()), rows: z.array(BreakdownRow),
})
export type Breakdown = z.infer<typeof Breakdown>

/** Buckets of a metric series: Shanghai hours, days, ISO weeks (from Monday), months, quarters, years. */
export const SERIES_BUCKETS = ['hour', 'day', 'week', 'month', 'quarter', 'year'] as const
export const SeriesBucket = z.enum(SERIES_BUCKETS)
export type SeriesBucket = z.infer<typeof SeriesBucket>
/**
 * GET /api/metrics/series?bucket=&from=&to=&platform=&as_of= — every metric per bucket (records by
 * received_at, events by at); every bucket of the window appears, empty ones with zero counts.
 */
export const Series = z.object({
  window: Window, as_of: z.string(), platform: z.enum(['12345', '110']).nullable(), generated_at: z.string(), bucket: SeriesBucket,
  points: z.array(z.object({ bucket: z.string(), metrics: z.record(z.string(), MetricValue) })),
})
export type Series = z.infer<typeof Series>

/** GET /api/metrics/bounces?days=14 — written by the bounce job (jobs/), read by the dashboard. */
export const BounceRow = z.object({ day: z.string(), category_code: z.string(), category_name: z.string(), bounces: z.number(), transfers: z.number() })
// computed_at: when the bounce job last ran (null: never), even if it found no transfers.
export const Bounces = z.object({ computed_at: z.string().nullable(), rows: z.array(BounceRow) })
export type Bounces = z.infer<typeof Bounces>

/** Per-record outcome of POST /api/ingest/records|events. */
export const IngestOutcome = z.object({
  line: z.number(), // 1-based line (NDJSON) or array index + 1
  id: z.string().nullable(), // source_id / event_id when it could be read
  status: z.enum(['accepted', 'rejected']),
  errors: z.array(z.object({ field: z.string(), reason: z.string() })).optional(),
})
export const IngestResponse = z.object({
  accepted: z.number(),
  rejected: z.number(),
  // Names this request in the quarantine and the log; also sent as the x-request-id header.
  request_id: z.string().optional(),
  results: z.array(IngestOutcome),
})
export type IngestResponse = z.infer<typeof IngestResponse>

/** GET /api/metrics/definitions — every metric's definition, for evaluators recomputing them. */
export const MetricDefinition = z.object({
  id: z.string(), label: z.string(), label_en: z.string(), unit: z.enum(['count', 'ratio', 'seconds']), platform: MetricPlatform,
  source: z.enum(['records', 'events']), formula: z.string(), numerator_sql: z.string(), denominator_sql: z.string().nullable(),
  distinct_sql: z.string().nullable(), // counted distinct among numerator rows, when set
  sum_sql: z.string().nullable(), // durations: summed (whole seconds) over numerator rows, when set
  not_recorded_sql: z.string().nullable(), pending_sql: z.string().nullable(), // coverage parts, when the rate has them
  policies: z.array(z.string()), // ids into Definitions.policies
  // Bumped on every change of the definition (analytics/metrics/versions.json), with the day it changed.
  version: z.number().int(), version_changed: z.string(),
  // The instant that places a row in a period: records by received_at, events by at.
  period_by: z.enum(['received_at', 'at']),
  // From METRIC_TARGETS (configuration, never official): below `warn` is a warning, below `target` short of it.
  target: z.number().nullable(), warn: z.number().nullable(),
})
export const Policy = z.object({ id: z.string(), text: z.string(), setting: z.string().nullable() })
export const Definitions = z.object({
  window_rule: z.string(), records_derived_sql: z.string(), events_source_sql: z.string(),
  // The records a record metric reads: the window's records with the derived columns and the per-record event and repeat facts.
  records_source_sql: z.string(),
  policies: z.array(Policy),
  // The settings in force (names as in config / .env).
  settings: z.object({
    RESPONSE_LIMIT_12345_MIN: z.number(), RESPONSE_LIMIT_110_MIN: z.number(),
    RESPONSE_EXCLUDE_110_KINDS: z.array(z.string()), METRICS_MIN_COVERAGE: z.number(),
    SIGN_LIMIT_12345_MIN: z.number(), SIGN_LIMIT_EMERGENCY_MIN: z.number(),
    ARRIVE_LIMIT_URBAN_MIN: z.number(), ARRIVE_LIMIT_SUBURBAN_MIN: z.number(), ARRIVE_LIMIT_RURAL_MIN: z.number(),
    ARRIVE_AREA_CLASSES: z.record(z.string(), z.enum(['urban', 'suburban', 'rural'])),
    REPEAT_SPAN_12345_HOURS: z.number(), REPEAT_SPAN_110_HOURS: z.number(),
    METRICS_EXTENDED: z.boolean(),
  }),
  metrics: z.array(MetricDefinition),
})
export type Definitions = z.infer<typeof Definitions>

/** GET /api/trace/:platform/:id — one matter followed across both platforms (personal data masked). */
export const TraceRecord = z.object({
  platform: z.string(), source_id: z.string(), status: z.string(), received_at: z.string(), county_code: z.string(),
  category_code: z.string(), kind: z.string(), title: z.string(), unit_code: z.string(),
  dispatched_at: z.string().nullable(), first_response_at: z.string().nullable(), arrived_at: z.string().nullable(), closed_at: z.string().nullable(),
  satisfaction_final: z.string().nullable(), version: z.string(),
})
export const TraceEvent = z.object({
  platform: z.string(), event_id: z.string(), record_id: z.string(), type: z.string(), at: z.string(),
  from_platform: z.string(), to_platform: z.string(), from_unit: z.string(), to_unit: z.string(), counterpart_id: z.string(),
})
export const Trace = z.object({ records: z.array(TraceRecord), events: z.array(TraceEvent), missing: z.array(z.string()) })
export type Trace = z.infer<typeof Trace>

/** A consultation item's decision (analytics/items/model.ts Decision): lead and assisting units, the handling norm, its start date. */
export const ItemDecision = z.object({ lead: z.string(), assist: z.array(z.string()), norm: z.string(), start_date: z.string() })
export type ItemDecision = z.infer<typeof ItemDecision>

/**
 * One consultation item (会商事项) as GET /api/items and /api/items/:id answer it (analytics/items/model.ts Item).
 * kind, severity and status are kept as strings so a new value on the server does not blank the wall.
 */
export const ConsultationItem = z.object({
  id: z.string(), fingerprint: z.string(),
  kind: z.string(), kind_label: z.string(), title: z.string(),
  severity: z.string(), // low | medium | high | critical
  status: z.string(), status_label: z.string(), // open | under_review | decided | closed | dismissed
  county_code: z.string(), category_code: z.string(), units: z.array(z.string()),
  first_seen: z.string(), last_seen: z.string(), raised_at: z.string(), escalated_at: z.string().nullable(),
  evidence: z.object({
    counts: z.record(z.string(), z.number()),
    series: z.array(z.object({ day: z.string(), n: z.number() })),
    samples: z.array(z.object({ platform: z.string(), source_id: z.string() })),
    query: z.string(),
  }),
  suggested_lead: z.string(), suggested_assist: z.array(z.string()),
  status_reason: z.string(),
  decision: ItemDecision.nullable(), decided_at: z.string().nullable(), decided_by: z.string(),
  routing_version: z.number().nullable(),
  version: z.number(), updated_at: z.string(), updated_by: z.string(),
})
export type ConsultationItem = z.infer<typeof ConsultationItem>

/** GET /api/items?kind=&severity=&status=&county=&category=&limit=&order=severity|recent */
export const ItemList = z.object({ items: z.array(ConsultationItem) })
export type ItemList = z.infer<typeof ItemList>

/** GET /api/hotspots?from=&to=&limit= — hot issues from the appeal text, ranked by heat (no text, no caller keys). */
export const HotIssue = z.object({
  rank: z.number(), fingerprint: z.string(), title: z.string(), entity: z.string(), problem: z.string(),
  county_code: z.string(), first_seen: z.string(), last_seen: z.string(),
  counts: z.record(z.string(), z.number()), // records, callers, platform_110, copies
  heat: z.number(),
  series: z.array(z.object({ day: z.string(), n: z.number() })),
  samples: z.array(z.object({ platform: z.string(), source_id: z.string() })),
})
export type HotIssue = z.infer<typeof HotIssue>
export const Hotspots = z.object({ window: Window, heat_formula: z.string(), hotspots: z.array(HotIssue) })
export type Hotspots = z.infer<typeof Hotspots>
