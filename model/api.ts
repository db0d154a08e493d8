// HTTP API response shapes, shared by the server (analytics/api) and the dashboard (web/).
import { z } from 'zod'

/** One metric value with everything an evaluator needs to recompute it. */
export const MetricValue = z.object({
  id: z.string(), // e.g. 'response_rate'
  label: z.string(), // Chinese label, e.g. '响应率'
  value: z.number().nullable(), // rate in [0,1] or a count; null when the denominator is 0
  numerator: z.number().nullable(),
  denominator: z.number().nullable(),
  unit: z.enum(['count', 'ratio']),
  formula: z.string(), // human-readable definition, e.g. '回访解决数 / 回访联系数'
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

/** GET /api/metrics/overview?from=&to=&bucket=day|hour */
export const Overview = z.object({
  window: Window,
  generated_at: z.string(),
  // Keys: volume_12345, volume_110, transfers_to_110, transfers_to_12345, response_rate,
  // resolution_rate, satisfaction_rate, satisfaction_first_rate, bounce_count
  metrics: z.record(z.string(), MetricValue),
  trend: z.array(TrendPoint),
  bucket: z.enum(['day', 'hour']),
})
export type Overview = z.infer<typeof Overview>

export const RegionRow = z.object({
  county_code: z.string(),
  name: z.string(), // e.g. '金水区'; matches the GeoJSON feature name
  volume_12345: z.number(),
  volume_110: z.number(),
  transfers_to_110: z.number(),
  transfers_to_12345: z.number(),
  response_rate: MetricValue,
  resolution_rate: MetricValue,
  satisfaction_rate: MetricValue,
})
export type RegionRow = z.infer<typeof RegionRow>

/** GET /api/metrics/by-region?from=&to= */
export const ByRegion = z.object({ window: Window, generated_at: z.string(), regions: z.array(RegionRow) })
export type ByRegion = z.infer<typeof ByRegion>

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
  id: z.string(), label: z.string(), label_en: z.string(), unit: z.enum(['count', 'ratio']),
  source: z.enum(['records', 'events']), formula: z.string(), numerator_sql: z.string(), denominator_sql: z.string().nullable(),
})
export const Definitions = z.object({ window_rule: z.string(), records_derived_sql: z.string(), events_source_sql: z.string(), metrics: z.array(MetricDefinition) })
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
