// Wires the stages into one process: ClickHouse (embedded or server) → ingest → metrics API → jobs → web.
import pino, { type Logger } from 'pino'
import type { Config } from './config'
import { resolveCallerSecret } from './ingest/secret'
import { openDb, type Db } from './analytics/clickhouse'
import { migrate } from './analytics/migrate'
import { IngestService } from './ingest/service'
import { MappingStore } from './ingest/mapping/store'
import { MetricsQueries } from './analytics/metrics/queries'
import { buildServer } from './analytics/api/server'
import { ensureRedis } from './jobs/redis'
import { startJobs, type Jobs } from './jobs/queues'
import { detectorsConfig } from './jobs/detectors'
import { TokenStore, localAdminKey } from './analytics/api/access/tokens'
import { Audit } from './analytics/api/access/audit'
import { UserStore, SessionStore, OneTimeLinks } from './analytics/api/access/users'
import { createHmac } from 'node:crypto'
import { CITY_WIDE } from './analytics/scope'

export interface App {
  url: string
  db: Db
  ingest: IngestService
  jobs: Jobs | null
  logger: Logger
  /** Bearer tokens (create/revoke here take effect at once in this process). */
  tokens: TokenStore
  /** Demo mode: a one-time sign-in link for a demo admin (null otherwise). */
  demoAdminLink: string | null
  close: () => Promise<void>
}

export function makeLogger(level: string, destination?: pino.DestinationStream): Logger {
  // Personal data never reaches a log: caller numbers and free text are redacted wherever they appear.
  // pino matches paths level by level, so each personal field is listed at the depths log objects reach.
  const fields = ['caller_phone', 'content', 'raw', 'title', 'note', 'password']
  const paths = fields.flatMap((f) => [f, `*.${f}`, `*.*.${f}`, `*[*].${f}`, `*.*[*].${f}`])
  const opts = { level, redact: { paths, censor: '[redacted]' } }
  return destination ? pino(opts, destination) : pino(opts)
}

export async function startApp(cfg: Config, opts: { jobs?: boolean; jobsPrefix?: string; logger?: Logger } = {}): Promise<App> {
  const logger = opts.logger ?? makeLogger(cfg.LOG_LEVEL)
  // Before anything opens: production with a weak secret stops here (SecretError).
  const callerSecret = resolveCallerSecret(cfg)
  if (callerSecret.source === 'generated') logger.warn({ file: callerSecret.file }, 'generated the caller-hash secret (CALLER_HASH_SECRET unset): back this file up with the data; without it repeat callers in new data no longer match old keys')
  const redis = opts.jobs === false ? null : await ensureRedis(cfg.redisUrl, cfg.redisUrlExplicit, logger)
  // No Redis is no reason to stop ingest and the dashboard: jobs start paused and resume when it answers.
  if (redis?.unavailable) logger.error({ redis: redis.url }, redis.unavailable)
  const db = openDb({ url: cfg.CLICKHOUSE_URL, dataDir: cfg.DATA_DIR, user: cfg.CLICKHOUSE_USER, password: cfg.CLICKHOUSE_PASSWORD, database: cfg.CLICKHOUSE_DATABASE })
  logger.info({ clickhouse: db.mode, dataDir: db.mode === 'embedded' ? cfg.DATA_DIR : undefined }, 'storage open')
  await migrate(db, logger)
  const ingest = new IngestService(db, { secret: callerSecret.secret, maxRows: cfg.INGEST_BATCH_ROWS, flushMs: cfg.INGEST_FLUSH_MS, maxLines: cfg.INGEST_MAX_LINES, mappings: new MappingStore(cfg.INGEST_MAPPINGS_DIR), log: logger })
  const metrics = new MetricsQueries(db, {
    responseLimit12345Min: cfg.RESPONSE_LIMIT_12345_MIN, responseLimit110Min: cfg.RESPONSE_LIMIT_110_MIN,
    responseExclude110Kinds: cfg.RESPONSE_EXCLUDE_110_KINDS, minCoverage: cfg.METRICS_MIN_COVERAGE, targets: cfg.METRIC_TARGETS,
    signLimit12345Min: cfg.SIGN_LIMIT_12345_MIN, signLimitEmergencyMin: cfg.SIGN_LIMIT_EMERGENCY_MIN,
    arriveLimitUrbanMin: cfg.ARRIVE_LIMIT_URBAN_MIN, arriveLimitSuburbanMin: cfg.ARRIVE_LIMIT_SUBURBAN_MIN, arriveLimitRuralMin: cfg.ARRIVE_LIMIT_RURAL_MIN,
    areaClasses: cfg.ARRIVE_AREA_CLASSES, repeatSpan12345Hours: cfg.REPEAT_SPAN_12345_HOURS, repeatSpan110Hours: cfg.REPEAT_SPAN_110_HOURS,
    extended: cfg.METRICS_EXTENDED,
  })
  const jobs = redis ? await startJobs({
    redisUrl: redis.url, db, bounceEveryMs: cfg.JOB_BOUNCE_EVERY_MS, rollups: metrics.rollups, rollupEveryMs: cfg.JOB_ROLLUP_EVERY_MS, detectEveryMs: cfg.JOB_DETECT_EVERY_MS,
    detect: { detectors: detectorsConfig(cfg.DETECT_CONFIG), catchUpDays: cfg.DETECT_CATCH_UP_DAYS, recomputeDays: cfg.DETECT_RECOMPUTE_DAYS },
    hotIssuesEveryMs: cfg.JOB_HOT_ISSUES_EVERY_MS, hotIssuesDays: cfg.HOT_ISSUES_DAYS, hotIssuesTop: cfg.HOT_ISSUES_TOP, prefix: opts.jobsPrefix ?? cfg.QUEUE_PREFIX, log: logger,
    startPaused: redis.unavailable !== null, overdueFactor: cfg.JOB_OVERDUE_FACTOR, overdueMarginMs: cfg.JOB_OVERDUE_MARGIN_MS,
    verifyEveryMs: cfg.JOB_SCHEDULE_CHECK_MS, outageLogEveryMs: cfg.REDIS_OUTAGE_LOG_EVERY_MS,
  }) : null
  // DATA_DIR/admin.key: a local admin credential for `npm run admin` while this process holds the data directory.
  const tokens = new TokenStore(db, localAdminKey(cfg.DATA_DIR))
  const audit = new Audit(db, logger)
  await audit.setRetention(cfg.AUDIT_RETENTION_DAYS)
  const links = new OneTimeLinks()
  if (cfg.authOpenRole) logger.warn({ role: cfg.authOpenRole }, 'requests without credentials act as this role over the whole city (AUTH_OPEN_ROLE; demo default wall)')
  const server = await buildServer({
    db, ingest, metrics, logger,
    access: {
      tokens, openRole: cfg.authOpenRole, audit, users: new UserStore(db), sessions: new SessionStore(cfg.SESSION_IDLE_MIN * 60_000), links,
      // Cookies are signed with a key derived from the caller-hash secret: every process of one deployment shares it.
      cookieSecret: createHmac('sha256', callerSecret.secret).update('linkage cookie signing v1').digest('base64url'),
    },
    maxBodyBytes: cfg.INGEST_MAX_BODY_MB * 1024 * 1024,
    requestTimeoutMs: cfg.HTTP_REQUEST_TIMEOUT_MS,
    exportPageRows: cfg.EXPORT_PAGE_ROWS,
    headersTimeoutMs: cfg.HTTP_HEADERS_TIMEOUT_MS,
    metricsCacheMs: cfg.METRICS_CACHE_MS,
    readiness: jobs ? jobs.readiness : {},
    host: cfg.HOST, allowedHosts: cfg.ALLOWED_HOSTS,
    rateLimits: { ingestPerMin: cfg.RATE_LIMIT_INGEST_PER_MIN, signInPerMin: cfg.RATE_LIMIT_SIGNIN_PER_MIN, readPerMin: cfg.RATE_LIMIT_READ_PER_MIN },
  })
  const address = await server.listen({ port: cfg.PORT, host: cfg.HOST })
  const port = Number(new URL(address).port)
  const url = `http://127.0.0.1:${port}`
  logger.info({ url }, 'listening')
  let demoAdminLink: string | null = null
  if (cfg.demoAdminLink) {
    // No password to invent or type: the link signs in once (within a day) as a city-wide admin.
    const code = links.create({ id: 'user:demo-admin', role: 'admin', name: 'demo-admin', scope: CITY_WIDE, platforms: 'all' }, 24 * 3600_000)
    demoAdminLink = `${url.replace('127.0.0.1', 'localhost')}/#signin=${code}`
    logger.info('demo admin sign-in link (one use, within 24 h): printed on the console, not in this log')
  }
  let closing: Promise<void> | null = null
  const close = () =>
    (closing ??= (async () => {
      // Stop taking requests, then store what was accepted, then stop the workers and storage.
      await server.close()
      await ingest.close()
      await jobs?.close()
      await db.close()
      redis?.stop()
    })())
  return { url, db, ingest, jobs, logger, tokens, demoAdminLink, close }
}
