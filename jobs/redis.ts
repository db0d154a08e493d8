// Finds a Redis for BullMQ: REDIS_URL if set; else 127.0.0.1:6379 if something answers there;
// else starts `redis-server` from PATH for this process; else fails with how to get one.
import { Redis } from 'ioredis'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'

export class RedisUnavailableError extends Error {}

async function canPing(url: string, timeoutMs = 1500): Promise<string | null> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null, enableOfflineQueue: false })
  r.on('error', () => {})
  try {
    await r.connect()
    await r.ping()
    return null
  } catch (e) {
    return (e as Error).message
  } finally {
    r.disconnect()
  }
}

export interface RedisHandle { url: string; child: ChildProcess | null; stop: () => void }

export async function ensureRedis(url: string, explicit: boolean, log: { info: (o: object, m: string) => void }): Promise<RedisHandle> {
  const err = await canPing(url)
  if (err === null) return { url, child: null, stop: () => {} }
  if (explicit) throw new RedisUnavailableError(`REDIS_URL=${url} is not reachable (${err}). Start that Redis or point REDIS_URL at one that runs.`)
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' })
  if (which.status !== 0)
    throw new RedisUnavailableError(
      'No Redis at 127.0.0.1:6379 and no `redis-server` on PATH. Install one (Debian/Ubuntu: `sudo apt-get install redis-server`; macOS: `brew install redis`) ' +
        'or set REDIS_URL=redis://host:port to an existing Redis, then run `npm start` again.')
  const port = Number(new URL(url).port || 6379)
  log.info({ port }, 'starting redis-server for this process (nothing kept on disk)')
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100))
    if ((await canPing(url, 500)) === null) return { url, child, stop: () => child.kill('SIGTERM') }
  }
  child.kill('SIGKILL')
  throw new RedisUnavailableError(`started redis-server on port ${port} but it did not answer within 5 s`)
}
