// Configuration from the environment, validated once at start-up.
import { z } from 'zod'
import { parseDetectConfig } from './jobs/detectors/config-env'
import { KINDS_110 } from './model/record'
import { ROLES, type Role } from './analytics/api/access/route-table'

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v))

import { weakSecretReason } from './ingest/secret'
import { metricDefs, AREA_CLASSES, DEFAULT_AREA_CLASSES, DEFAULT_ARRIVE_LIMIT_MIN, DEFAULT_REPEAT_SPAN_12345_HOURS, DEFAULT_REPEAT_SPAN_110_HOURS } from './analytics/metrics/definitions'

// A metric's target and the level below which it warns (rates: 0–1; the warning at or below the target).
const MetricTargets = z.record(z.string().regex(/^[a-z0-9_]+$/, 'a metric id'), z.object({
  target: z.number().finite(), warn: z.number().finite().optional(),
}).strict().refine((t) => t.warn === undefined || t.warn <= t.target, 'warn must not be above target'))

export const ConfigSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    // Loopback by default. 0.0.0.0 serves other machines (containers, wall displays): data routes need tokens (README, Access).
    HOST: z.string().default('127.0.0.1'),
    DATA_DIR: z.string().min(1).default('./data'),
    // Unset: embedded ClickHouse (chdb) under DATA_DIR/clickhouse. Set: a ClickHouse server over HTTP.
    CLICKHOUSE_URL: z.string().url().optional(),
    CLICKHOUSE_USER: z.string().default('default'),
    CLICKHOUSE_PASSWORD: z.string().default(''),
    CLICKHOUSE_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('default'),
    REDIS_URL: z.string().url().optional(),
    // Key of the HMAC that turns caller phone numbers into a repeat-caller key. No default: unset, the
    // app generates one into DATA_DIR/caller-hash.secret at first start (ingest/secret.ts).
    CALLER_HASH_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    // Names the Host header may carry besides localhost, 127.0.0.1, ::1 and HOST (comma list; '*' = any).
    ALLOWED_HOSTS: z.string().optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    INGEST_BATCH_ROWS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
    INGEST_FLUSH_MS: z.coerce.number().int().min(1).max(60_000).default(200),
    INGEST_MAX_BODY_MB: z.coerce.number().min(1).max(1024).default(64),
    // Lines one ingest request may carry: a flood of tiny lines is refused whole (413) before any work.
    INGEST_MAX_LINES: z.coerce.number().int().min(1).max(1_000_000).default(50_000),
    // Folder of the mappings `POST /api/ingest/records?mapping=NAME` may apply (NAME.json); unset: the shipped examples (ingest/mappings/).
    INGEST_MAPPINGS_DIR: z.string().min(1).optional(),
    // A request must arrive whole within this time, headers within HTTP_HEADERS_TIMEOUT_MS: slow clients
    // dripping bytes would otherwise hold connections forever.
    HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).max(3_600_000).default(120_000),
    // Exports stream in pages of this many rows (memory per export stays bounded).
    EXPORT_PAGE_ROWS: z.coerce.number().int().min(1).max(1_000_000).default(50_000),
    HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(500).max(600_000).default(20_000),
    // Response-rate limits (响应时限): the handling unit or police must respond within these.
    RESPONSE_LIMIT_12345_MIN: z.coerce.number().int().min(1).default(24 * 60),
    RESPONSE_LIMIT_110_MIN: z.coerce.number().int().min(1).default(30),
    // On-time signing (按时签收) of 12345 orders, from dispatch: one working day, taken as 24 h; 15 min
    // for urgency 'emergency' (life or property at risk).
    SIGN_LIMIT_12345_MIN: z.coerce.number().int().min(1).default(24 * 60),
    SIGN_LIMIT_EMERGENCY_MIN: z.coerce.number().int().min(1).default(15),
    // 110 on-time arrival (按时到场), minutes from dispatch, by the place's area class (the texts: urban
    // 5, suburban 10, rural "as soon as possible"; the rural default is this product's, not official).
    ARRIVE_LIMIT_URBAN_MIN: z.coerce.number().int().min(1).default(DEFAULT_ARRIVE_LIMIT_MIN.urban),
    ARRIVE_LIMIT_SUBURBAN_MIN: z.coerce.number().int().min(1).default(DEFAULT_ARRIVE_LIMIT_MIN.suburban),
    ARRIVE_LIMIT_RURAL_MIN: z.coerce.number().int().min(1).default(DEFAULT_ARRIVE_LIMIT_MIN.rural),
    // Area class of places (records carry none): JSON {"<6-digit county or 9-digit street/town code>":
    // "urban"|"suburban"|"rural"}; a town's entry wins over its county's; places in neither are rural.
    // Unset: Zhengzhou's (analytics/metrics/definitions.ts DEFAULT_AREA_CLASSES).
    ARRIVE_AREA_CLASSES: z
      .string()
      .optional()
      .transform((s, ctx) => {
        if (s === undefined || !s.trim()) return DEFAULT_AREA_CLASSES
        let raw: unknown
        try { raw = JSON.parse(s) } catch { ctx.addIssue({ code: 'custom', message: 'not JSON: {"410102": "urban", "410122001": "rural"}' }); return {} }
        const badKeys = raw && typeof raw === 'object' ? Object.keys(raw).filter((k) => !/^\d{6}(\d{3})?$/.test(k)) : []
        if (badKeys.length) { ctx.addIssue({ code: 'custom', message: `not a 6-digit county or 9-digit street/town code: ${badKeys.join(', ')}` }); return {} }
        const p = z.record(z.string(), z.enum(AREA_CLASSES)).safeParse(raw)
        if (!p.success) { ctx.addIssue({ code: 'custom', message: p.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') }); return {} }
        return p.data
      }),
    // Repeat appeals / repeat alarms: an earlier record of the same caller on the same platform within
    // this many hours before makes a record a repeat (12345: 30 days; 110: a day).
    REPEAT_SPAN_12345_HOURS: z.coerce.number().int().min(1).max(24 * 366).default(DEFAULT_REPEAT_SPAN_12345_HOURS),
    REPEAT_SPAN_110_HOURS: z.coerce.number().int().min(1).max(24 * 366).default(DEFAULT_REPEAT_SPAN_110_HOURS),
    // The indicators that join records' events, callers' earlier records and transfers' counterparts
    // (returns, re-handling, repeats, linkage, 回流): off by default until rollups serve them, because
    // they made the wall's queries slower than its request limit on a large city (see README).
    METRICS_EXTENDED: bool.default(false),
    // 110 kinds that are not judged on response when no police were sent (cities classify calls
    // differently): comma-separated KINDS_110 values, or 'none'.
    RESPONSE_EXCLUDE_110_KINDS: z
      .string()
      .default('non_police,invalid_alarm,consult_only')
      .transform((s, ctx) => {
        const kinds = s.trim() === 'none' ? [] : s.split(',').map((k) => k.trim()).filter(Boolean)
        const bad = kinds.filter((k) => !(KINDS_110 as readonly string[]).includes(k))
        if (bad.length) ctx.addIssue({ code: 'custom', message: `not 110 kinds: ${bad.join(', ')} (one of ${KINDS_110.join(', ')}, or 'none')` })
        return kinds
      }),
    // A rate whose judged records carry the timestamps it needs less often than this shows no value
    // ("no data") instead of a rate computed from the few that do.
    METRICS_MIN_COVERAGE: z.coerce.number().min(0).max(1).default(0.8),
    // Targets and warning thresholds of metrics, shown with them (configuration, never official):
    // JSON {"<metric id>": {"target": 0.9, "warn": 0.85}}; ids are checked against the registry at start.
    METRIC_TARGETS: z
      .string()
      .default('{}')
      .transform((s, ctx) => {
        let raw: unknown
        try { raw = JSON.parse(s) } catch { ctx.addIssue({ code: 'custom', message: 'not JSON: {"<metric id>": {"target": 0.9, "warn": 0.85}}' }); return {} }
        const p = MetricTargets.safeParse(raw)
        if (!p.success) { ctx.addIssue({ code: 'custom', message: p.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') }); return {} }
        const defs = metricDefs({ responseLimit12345Min: 1, responseLimit110Min: 1 })
        const known = new Set(defs.map((d) => d.id))
        const unknown = Object.keys(p.data).filter((id) => !known.has(id))
        if (unknown.length) ctx.addIssue({ code: 'custom', message: `unknown metric ids: ${unknown.join(', ')} (see GET /api/metrics/definitions)` })
        // (the wall reads a value under its target as short of it: for a duration, lower is better)
        const durations = Object.keys(p.data).filter((id) => defs.find((d) => d.id === id)?.unit === 'seconds')
        if (durations.length) ctx.addIssue({ code: 'custom', message: `targets on durations are not supported yet: ${durations.join(', ')}` })
        return p.data
      }),
    DEMO: bool.default(true),
    // Role of requests without credentials: 'none' refuses them (all but health and the dashboard files).
    // Default: 'wall' (whole city) in demo mode so the demo dashboard shows at once, else 'none'.
    AUTH_OPEN_ROLE: z.enum([...ROLES, 'none']).optional(),
    // A signed-in session unused for this many minutes is gone (sign in again).
    SESSION_IDLE_MIN: z.coerce.number().int().min(1).max(24 * 60).default(30),
    // Requests per minute per token or session (else per address); 429 with Retry-After beyond. Sign-in
    // counts per address and per account name. Wall displays poll about 100 reads a minute.
    RATE_LIMIT_INGEST_PER_MIN: z.coerce.number().int().min(1).max(1_000_000).default(1200),
    RATE_LIMIT_SIGNIN_PER_MIN: z.coerce.number().int().min(1).max(10_000).default(20),
    RATE_LIMIT_READ_PER_MIN: z.coerce.number().int().min(1).max(1_000_000).default(1200),
    // Demo mode prints a one-time sign-in link for a demo admin (admin page, audit) in the log at start.
    // Default: on in demo mode outside production.
    DEMO_ADMIN_LINK: bool.optional(),
    // Audit rows older than this many days are dropped (a TTL on the audit table, set at every start).
    // The default keeps a little over a year; China's Cybersecurity Law asks for at least six months.
    AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(400),
    DEMO_DAYS: z.coerce.number().int().min(0).max(90).default(14),
    DEMO_SCALE: z.coerce.number().min(0.001).max(10).default(0.2),
    DEMO_SEED: z.coerce.number().int().default(12345),
    // Identical metric requests within this time share one answer (many screens poll the same URLs).
    METRICS_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(2000),
    // Deployments sharing one Redis keep their queues apart by prefix (one per city / data set).
    QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/).default('linkage'),
    JOB_BOUNCE_EVERY_MS: z.coerce.number().int().min(1000).default(30_000),
    // Metric rollups: days changed since computed are recomputed this often (read raw until then).
    JOB_ROLLUP_EVERY_MS: z.coerce.number().int().min(1000).default(10_000),
    // Early-warning detectors run this often (each run covers the windows that are due or whose data changed).
    JOB_DETECT_EVERY_MS: z.coerce.number().int().min(1000).default(60_000),
    // Detector thresholds overriding the defaults (README, Early warning), as JSON per detector.
    DETECT_CONFIG: z.string().default('{}').transform((s, ctx) => {
      const r = parseDetectConfig(s)
      if (!r.ok) { for (const p of r.problems) ctx.addIssue({ code: 'custom', message: p }); return z.NEVER }
      return r.value
    }),
    // Windows missed for longer than this are not caught up; changes to data older than DETECT_RECOMPUTE_DAYS recompute nothing.
    DETECT_CATCH_UP_DAYS: z.coerce.number().int().min(1).max(366).default(14),
    DETECT_RECOMPUTE_DAYS: z.coerce.number().int().min(1).max(3660).default(90),
    // The top HOT_ISSUES_TOP hot issues of the last HOT_ISSUES_DAYS days become consultation items this often.
    JOB_HOT_ISSUES_EVERY_MS: z.coerce.number().int().min(1000).default(300_000),
    HOT_ISSUES_DAYS: z.coerce.number().int().min(1).max(92).default(7),
    HOT_ISSUES_TOP: z.coerce.number().int().min(0).max(100).default(10),
    // /readyz reports a scheduled job overdue when it has not succeeded for FACTOR × its interval + MARGIN.
    JOB_OVERDUE_FACTOR: z.coerce.number().min(1).max(1000).default(3),
    JOB_OVERDUE_MARGIN_MS: z.coerce.number().int().min(0).default(60_000),
    // How often job schedules are checked to exist in Redis (a FLUSHALL or a new server loses them; they are registered again).
    JOB_SCHEDULE_CHECK_MS: z.coerce.number().int().min(100).default(30_000),
    // While Redis is unreachable the outage is logged once, then again this often.
    REDIS_OUTAGE_LOG_EVERY_MS: z.coerce.number().int().min(1000).default(60_000),
  })
  .superRefine((c, ctx) => {
    const weak = c.NODE_ENV === 'production' && c.CALLER_HASH_SECRET ? weakSecretReason(c.CALLER_HASH_SECRET) : null
    if (weak) ctx.addIssue({ code: 'custom', path: ['CALLER_HASH_SECRET'], message: weak })
    if (c.NODE_ENV === 'production' && c.AUTH_OPEN_ROLE && !['none', 'wall'].includes(c.AUTH_OPEN_ROLE))
      ctx.addIssue({ code: 'custom', path: ['AUTH_OPEN_ROLE'], message: 'production allows only none or wall for requests without credentials' })
  })

export type Config = z.infer<typeof ConfigSchema> & { redisUrlExplicit: boolean; redisUrl: string; authOpenRole: Role | null; demoAdminLink: boolean }

export class ConfigError extends Error {}

/** Parse the environment; throws ConfigError listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env, overrides: Partial<Record<string, string>> = {}): Config {
  const merged: Record<string, string | undefined> = { ...env, ...overrides }
  // Empty strings mean unset (common in .env files and compose).
  for (const k of Object.keys(merged)) if (merged[k] === '') delete merged[k]
  const r = ConfigSchema.safeParse(merged)
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(config)'}: ${i.message}`)
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`)
  }
  const open = r.data.AUTH_OPEN_ROLE ?? (r.data.DEMO ? 'wall' : 'none')
  return { ...r.data, redisUrlExplicit: !!r.data.REDIS_URL, redisUrl: r.data.REDIS_URL ?? 'redis://127.0.0.1:6379', authOpenRole: open === 'none' ? null : open,
    demoAdminLink: r.data.DEMO_ADMIN_LINK ?? (r.data.DEMO && r.data.NODE_ENV !== 'production') }
}
