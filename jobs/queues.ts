// All queues and schedules in one place, with stable ids: restarting re-registers the same
// schedulers (upsertJobScheduler) instead of piling up duplicates.
import { Queue, Worker, type Job } from 'bullmq'
import { Redis } from 'ioredis'
import type { Db } from '../analytics/clickhouse'
import { runBounceJob, BOUNCE_JOB } from './bounce-job'

export const ANALYTICS_QUEUE = 'linkage-analytics'

export interface JobsOptions {
  redisUrl: string
  db: Db
  bounceEveryMs: number
  /** Separate deployments (tests, cities) sharing one Redis keep apart by prefix. */
  prefix?: string
  log: { info: (o: object, m: string) => void; error: (o: object, m: string) => void }
}

export interface Jobs { queue: Queue; worker: Worker; close: () => Promise<void>; ping: () => Promise<string | null> }

export async function startJobs(o: JobsOptions): Promise<Jobs> {
  const prefix = o.prefix ?? 'linkage'
  // Workers block on Redis and must never give up a command; the queue gets its own connection.
  const queueConn = new Redis(o.redisUrl, { maxRetriesPerRequest: null })
  const workerConn = new Redis(o.redisUrl, { maxRetriesPerRequest: null })
  const queue = new Queue(ANALYTICS_QUEUE, { connection: queueConn, prefix })
  await queue.upsertJobScheduler(BOUNCE_JOB, { every: o.bounceEveryMs }, {
    name: BOUNCE_JOB,
    data: {},
    opts: { removeOnComplete: 100, removeOnFail: 100, attempts: 3, backoff: { type: 'exponential', delay: 5000 } },
  })
  const worker = new Worker(ANALYTICS_QUEUE, async (job: Job) => {
    switch (job.name) {
      case BOUNCE_JOB: {
        const windows = await runBounceJob(o.db)
        return { windows: windows.length, days: windows.map((w) => w.day) }
      }
      default:
        throw new Error(`unknown job ${job.name}`)
    }
  }, { connection: workerConn, prefix, concurrency: 1 })
  worker.on('failed', (job, err) => o.log.error({ job: job?.name, err: err.message }, 'job failed'))
  worker.on('completed', (job, res) => o.log.info({ job: job.name, res }, 'job done'))
  return {
    queue,
    worker,
    ping: async () => { try { await queueConn.ping(); return null } catch (e) { return `down: ${(e as Error).message}` } },
    close: async () => {
      await worker.close()
      await queue.close()
      queueConn.disconnect()
      workerConn.disconnect()
    },
  }
}
