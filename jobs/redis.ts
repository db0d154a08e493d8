// Finds a Redis for BullMQ: REDIS_URL if set; else 127.0.0.1:6379 if something answers there; else
// starts `redis-server` from PATH for this process. When none of these works the app starts anyway
// with jobs paused (they resume once the URL answers), and `unavailable` says how to get a Redis.
import { Redis } from 'ioredis'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'

/** Kept for callers that still catch it; ensureRedis no longer throws it (a missing Redis pauses jobs only). */
export class RedisUnavailableError extends Error {}

async function canPing(url: string, timeoutMs = 1500): Promise<string | null> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null, enableOfflineQueue: false })
  // The socket's error (e.g. ECONNREFUSED) says more than the "Connection is closed" that follows it.
  let cause: string | null = null
  r.on('error', (e: Error) => { cause ??= e.message })
  try {
    await r.connect()
    await r.ping()
    return null
  } catch (e) {
    return cause ?? (e as Error).message
  } finally {
    r.disconnect()
  }
}

export interface RedisHandle {
  url: string
  child: ChildProcess | null
  stop: () => void
  /** null when Redis answered; else why not and how to get one: jobs start paused and wait for `url`. */
  unavailable: string | null
}

type Log = { info: (o: object, m: string) => void; warn?: (o: object, m: string) => void }
const PAUSED = 'Jobs (the bounce job) are paused until it answers; ingest and the dashboard serve meanwhile, and jobs start by themselves once Redis answers.'

export async function ensureRedis(url: string, explicit: boolean, log: Log): Promise<RedisHandle> {
  const none = (unavailable: string): RedisHandle => ({ url, child: null, stop: () => {}, unavailable })
  const err = await canPing(url)
  if (err === null) return { url, child: null, stop: () => {}, unavailable: null }
  if (explicit) return none(`REDIS_URL=${url} is not reachable (${err}). ${PAUSED} Start that Redis or point REDIS_URL at one that runs.`)
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' })
  if (which.status !== 0)
    return none(
      `No Redis at ${url} and no \`redis-server\` on PATH. ${PAUSED} Install one (Debian/Ubuntu: \`sudo apt-get install redis-server\`; macOS: \`brew install redis\`) ` +
        'or set REDIS_URL=redis://host:port to an existing Redis and restart.')
  const port = Number(new URL(url).port || 6379)
  log.info({ port }, 'starting redis-server for this process (nothing kept on disk)')
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  let stopping = false
  child.on('error', () => {}) // a failed spawn shows as no answer below
  // Our own Redis dying is an outage like any other (jobs pause); say where it came from.
  child.once('exit', (code, signal) => { if (!stopping) log.warn?.({ code, signal }, 'the redis-server started for this process exited') })
  const stop = () => { stopping = true; child.kill('SIGTERM') }
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100))
    if ((await canPing(url, 500)) === null) return { url, child, stop, unavailable: null }
  }
  stopping = true
  child.kill('SIGKILL')
  return none(`Started redis-server on port ${port} but it did not answer within 5 s. ${PAUSED} Set REDIS_URL=redis://host:port to a Redis that runs.`)
}
