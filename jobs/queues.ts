// All queues and schedules in one place, with stable ids: registering again (upsertJobScheduler)
// replaces a schedule instead of piling up duplicates.
//
// Redis may be away at start, go away later, lose its data (FLUSHALL) or be replaced by an empty
// server. None of that stops the process: jobs pause while Redis is away, and schedules are
// registered again whenever a connection becomes ready, and verified at intervals (a FLUSHALL drops
// them without dropping the connection). /readyz gets two checks: `redis` (reachable) and `jobs`
// (paused, schedule missing, or overdue: no success for factor × interval + margin).
import { Queue, Worker, type Job } from 'bullmq'
import { Redis } from 'ioredis'
import type { Db } from '../analytics/clickhouse'
import { runBounceJob, BOUNCE_JOB } from './bounce-job'
import { runDetectJob, DETECT_JOB, type DetectJobConfig } from './detect-job'
import { ItemStore } from '../analytics/items/store'
import { queryHotIssues, hotIssueToFinding } from '../analytics/hotspots'
import { CITY_WIDE } from '../analytics/scope'
import { OutageLog, type Log } from './outage-log'
import { runRollupJob, ROLLUP_JOB } from './rollup-job'
import type { Rollups } from '../analytics/metrics/rollup'

export const ANALYTICS_QUEUE = 'linkage-analytics'
export const HOT_ISSUES_JOB = 'hot-issues'
/** Each readiness check answers within this, whatever Redis does. */
const CHECK_TIMEOUT_MS = 1000

export interface JobsOptions {
  redisUrl: string
  db: Db
  bounceEveryMs: number
  /** Early-warning detectors (detect-job.ts): how often, and their thresholds (defaults in jobs/detectors). */
  detectEveryMs?: number
  detect?: Partial<DetectJobConfig>
  /** Hot issues from the text: how often the top ones become consultation items, over how many days, how many. */
  hotIssuesEveryMs?: number
  hotIssuesDays?: number
  hotIssuesTop?: number
  /** Metric rollups (the metric queries' own, so both use one fingerprint) and how often changed days are recomputed. */
  rollups?: Rollups
  rollupEveryMs?: number
  /** Separate deployments (tests, cities) sharing one Redis keep apart by prefix. */
  prefix?: string
  log: Log
  /** Redis did not answer at start (the caller logged why): start paused, resume when it answers. */
  startPaused?: boolean
  overdueFactor?: number
  overdueMarginMs?: number
  /** How often the schedules are verified to exist in Redis. */
  verifyEveryMs?: number
  /** At close, a running job is waited for this long, then left (default 10 s). */
  closeGraceMs?: number
  /** While Redis is away, the outage is logged again this often. */
  outageLogEveryMs?: number
}

export interface Jobs {
  queue: Queue
  worker: Worker
  /** For /readyz: `redis` and `jobs`, each null when fine or a reason, each within ~1 s. */
  readiness: Record<string, () => Promise<string | null>>
  ping: () => Promise<string | null>
  close: () => Promise<void>
}

interface Schedule { id: string; everyMs: number; run: () => Promise<unknown> }

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const t = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms) })
  return Promise.race([p, t]).finally(() => clearTimeout(timer))
}

const CONNECTION_ERROR = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|Connection is closed|Stream isn't writeable|connect|socket|LOADING/i

export async function startJobs(o: JobsOptions): Promise<Jobs> {
  const prefix = o.prefix ?? 'linkage'
  const factor = o.overdueFactor ?? 3
  const marginMs = o.overdueMarginMs ?? 60_000
  const schedules: Schedule[] = [
    { id: BOUNCE_JOB, everyMs: o.bounceEveryMs, run: async () => {
      const windows = await runBounceJob(o.db)
      const days = windows.map((w) => w.day)
      // A catch-up of years recomputes thousands of days: keep the log line short.
      return { windows: days.length, days: days.length <= 20 ? days : [...days.slice(0, 3), '…', ...days.slice(-3)] }
    } },
    { id: DETECT_JOB, everyMs: o.detectEveryMs ?? 60_000, run: async () => {
      // Every finding becomes or updates one consultation item (by fingerprint).
      const items = ItemStore.for(o.db)
      // A complete window computed again that no longer finds an open item raised from it withdraws the item.
      const r = await runDetectJob(o.db, {
        sink: async (f, w) => { await items.upsertFindings(f, Date.now(), w) },
        withdrawal: {
          hulls: (kind, w) => items.openHulls(kind, w),
          withdraw: async (kind, w, found, state) => { await items.withdrawMissing(kind, w, found, { state }) },
        },
        cfg: o.detect, log: o.log,
      })
      // A detector that failed is retried on the next run; the job fails (and is reported) only when all did.
      if (r.errors.length && r.detectors.every((d) => !d.ok)) throw new Error(`every detector failed: ${r.errors[0].error}`)
      return { windows: r.windows.length, findings: r.findings, failed: r.errors.map((e) => e.detector) }
    } },
    ...(o.rollups ? [{ id: ROLLUP_JOB, everyMs: o.rollupEveryMs ?? 10_000, run: async () => {
      const r = await runRollupJob(o.rollups!)
      return { days: r.days.length <= 10 ? r.days : [...r.days.slice(0, 3), '…', ...r.days.slice(-3)], computed: r.days.length, left: r.left }
    } }] : []),
    { id: HOT_ISSUES_JOB, everyMs: o.hotIssuesEveryMs ?? 300_000, run: async () => {
      // A rolling window: a hot issue's fingerprint (entity + problem) is stable, so each run updates
      // the same items; the top ones by heat are raised, the long tail stays on /api/hotspots only.
      const now = Date.now()
      const issues = await queryHotIssues(o.db, { from: now - (o.hotIssuesDays ?? 7) * 86_400_000, to: now }, CITY_WIDE, { limit: o.hotIssuesTop ?? 10 })
      await ItemStore.for(o.db).upsertFindings(issues.map(hotIssueToFinding), now)
      return { hot_issues: issues.length }
    } },
  ]
  const outage = new OutageLog('redis', o.log, o.outageLogEveryMs ?? 60_000, o.startPaused ? Date.now() : null)
  // Reconnect forever, at most every 2 s: Redis coming back (or a new one) resumes the jobs.
  const retryStrategy = (n: number) => Math.min(200 * n, 2000)
  // Commands of the queue and the checks fail at once while Redis is away instead of queueing up.
  const cmd = new Redis(o.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, retryStrategy })
  // The worker's connection waits for Redis (BullMQ requires that of blocking connections).
  const wconn = new Redis(o.redisUrl, { maxRetriesPerRequest: null, connectTimeout: 2000, retryStrategy })
  const queue = new Queue(ANALYTICS_QUEUE, { connection: cmd, prefix })
  const worker = new Worker(ANALYTICS_QUEUE, async (job: Job) => {
    const s = schedules.find((x) => x.id === job.name)
    if (!s) throw new Error(`unknown job ${job.name}`)
    return s.run()
  }, { connection: wconn, prefix, concurrency: 1, runRetryDelay: 2000 })

  let closed = false
  let lastError = 'not connected yet'
  // Jobs count as on time from when they could last run: start, or Redis coming back.
  let resumedAt = Date.now()
  const lastOk = new Map<string, number>()
  const missing = new Set<string>()
  const repeated = new Map<string, number>() // other errors: message → last logged

  // Every connection and BullMQ object gets an 'error' listener: without one, ioredis prints each
  // failed reconnect with its stack on stderr.
  const onError = (source: string) => (err: Error) => {
    if (closed) return
    lastError = err.message
    if (cmd.status !== 'ready' || CONNECTION_ERROR.test(err.message)) return outage.failure(err, { source })
    const last = repeated.get(err.message) ?? 0
    if (Date.now() - last < (o.outageLogEveryMs ?? 60_000)) return
    if (repeated.size > 100) repeated.clear()
    repeated.set(err.message, Date.now())
    o.log.error({ source, err: err.message }, 'redis error')
  }
  cmd.on('error', onError('queue connection'))
  wconn.on('error', onError('worker connection'))
  queue.on('error', onError('queue'))
  worker.on('error', onError('worker'))

  const register = async (s: Schedule) => {
    await queue.upsertJobScheduler(s.id, { every: s.everyMs }, {
      name: s.id,
      data: {},
      opts: { removeOnComplete: 100, removeOnFail: 100, attempts: 3, backoff: { type: 'exponential', delay: 5000 } },
    })
    missing.delete(s.id)
  }
  let registered!: () => void
  const firstRegistration = new Promise<void>((r) => { registered = r })
  const registerAll = async () => {
    try {
      for (const s of schedules) await register(s)
      registered()
    } catch (e) {
      onError('register')(e as Error)
    }
  }
  // 'ready' comes on the first connection and after every reconnect, to the same or a new server.
  cmd.on('ready', () => {
    if (closed) return
    if (outage.down) resumedAt = Date.now()
    outage.recovered({ redis: o.redisUrl })
    void registerAll()
  })

  // A FLUSHALL loses the schedules but not the connection: look for them at intervals.
  let verifying = false
  const verify = async () => {
    if (verifying || closed || cmd.status !== 'ready') return
    verifying = true
    try {
      for (const s of schedules) {
        if (await withTimeout(queue.getJobScheduler(s.id), 5000, 'schedule check')) continue
        missing.add(s.id)
        o.log.warn({ scheduler: s.id }, 'job schedule missing in Redis (its data was lost or it is a new server): registering it again')
        await register(s)
      }
    } catch (e) {
      onError('schedule check')(e as Error)
    } finally {
      verifying = false
    }
  }
  const timer = setInterval(() => void verify(), o.verifyEveryMs ?? 30_000)
  timer.unref()

  worker.on('completed', (job, res) => {
    lastOk.set(job.name, Date.now())
    o.log.info({ job: job.name, res }, 'job done')
  })
  worker.on('failed', (job, err) => o.log.error({ job: job?.name, err: err.message }, 'job failed'))

  // Successes seen by any process sharing the queue (this process's worker may not get every job).
  const lastCompletedInRedis = async (): Promise<Map<string, number>> => {
    const jobs = await withTimeout(queue.getJobs(['completed'], 0, 19, false), CHECK_TIMEOUT_MS, 'redis')
    const m = new Map<string, number>()
    for (const j of jobs) if (j.finishedOn) m.set(j.name, Math.max(m.get(j.name) ?? 0, j.finishedOn))
    return m
  }

  const ping = async (): Promise<string | null> => {
    if (cmd.status !== 'ready') return `down: ${lastError}`
    try {
      await withTimeout(cmd.ping(), CHECK_TIMEOUT_MS, 'ping')
      return null
    } catch (e) {
      return `down: ${(e as Error).message}`
    }
  }
  const jobsCheck = async (): Promise<string | null> => {
    if (cmd.status !== 'ready') return 'paused: redis unreachable'
    if (missing.size) return `schedule missing: ${[...missing].join(', ')}`
    const shared = await lastCompletedInRedis().catch(() => new Map<string, number>())
    const now = Date.now()
    const late: string[] = []
    for (const s of schedules) {
      const ok = Math.max(lastOk.get(s.id) ?? 0, shared.get(s.id) ?? 0)
      if (now - Math.max(ok, resumedAt) <= factor * s.everyMs + marginMs) continue
      late.push(ok ? `${s.id} last succeeded ${Math.round((now - ok) / 1000)} s ago (runs every ${s.everyMs / 1000} s)`
        : `${s.id} has not succeeded in the ${Math.round((now - resumedAt) / 1000)} s since jobs started (runs every ${s.everyMs / 1000} s)`)
    }
    return late.length ? `overdue: ${late.join('; ')}` : null
  }

  // With Redis there, the schedules exist before startJobs returns (bounded: a slow Redis must not block start-up).
  if (!o.startPaused) await Promise.race([firstRegistration, new Promise((r) => setTimeout(r, 5000).unref())])

  return {
    queue,
    worker,
    ping,
    readiness: { redis: ping, jobs: jobsCheck },
    close: async () => {
      closed = true
      clearInterval(timer)
      // With Redis there, let a running job finish for a while; without it there is nothing to wait for.
      // A detect catch-up can run for minutes: past the grace period the worker closes without it. That
      // is safe because every job commits per window (a cut run leaves its marks, and the previous
      // computation, in place) and the next start redoes the rest.
      const closing = Promise.all([worker.close(), queue.close()])
      const grace = cmd.status === 'ready' ? o.closeGraceMs ?? 10_000 : 2000
      await withTimeout(closing, grace, 'close').catch(async () => {
        o.log.warn({ graceMs: grace }, 'a running job did not finish in time: stopping without it (it is redone at the next start)')
        await withTimeout(Promise.all([worker.close(true), queue.close()]), 2000, 'close').catch(() => {})
      })
      cmd.disconnect()
      wconn.disconnect()
    },
  }
}
