// Redis faults, with a real redis-server spawned per test on a free port in 40000–49999 (other tests
// use 20000–39999 and the shared 6379): data lost (FLUSHALL), server replaced, down at start, killed
// mid-run, and a job that stops succeeding. Jobs pause without Redis and come back with it; ingest
// never waits for it; /readyz answers promptly with what is wrong; the outage is logged once, via pino.
import { describe, it, expect, afterEach, vi } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import net from 'node:net'
import { Writable } from 'node:stream'
import { Redis } from 'ioredis'
import { startTestApp, post, ndjson, type TestApp } from './helpers/app'
import { record } from './helpers/fixtures'
import { makeLogger } from '../app'
import { BOUNCE_JOB } from '../jobs/bounce-job'

const waitFor = async <T>(what: string, f: () => Promise<T | null | undefined | false>, ms = 20_000): Promise<T> => {
  const end = Date.now() + ms
  for (;;) {
    const v = await f().catch(() => null)
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

async function freePort(): Promise<number> {
  for (;;) {
    const port = 40000 + Math.floor(Math.random() * 10000)
    const free = await new Promise<boolean>((res) => {
      const s = net.createServer().once('error', () => res(false)).listen(port, '127.0.0.1', () => s.close(() => res(true)))
    })
    if (free) return port
  }
}

const servers: ChildProcess[] = []
// Should a test hang past its hook timeout, the servers still go when this test process exits.
process.once('exit', () => { for (const s of servers) s.kill('SIGKILL') })
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  servers.push(child)
  await waitFor('redis-server to answer', async () => {
    const r = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false })
    r.on('error', () => {})
    try { await r.connect(); return (await r.ping()) === 'PONG' } finally { r.disconnect() }
  })
  return child
}
async function killRedis(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGKILL')
  await exited
}

/** The app's own pino logger writing JSON lines into memory. */
function logSink() {
  let text = ''
  const sink = new Writable({ write(chunk, _enc, cb) { text += chunk.toString(); cb() } })
  const lines = () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; time: number; level: number; [k: string]: unknown })
  return { logger: makeLogger('info', sink), lines, text: () => text }
}

let app: TestApp | null = null
afterEach(async () => {
  try {
    await app?.stop()
  } finally {
    app = null
    await Promise.all(servers.splice(0).map(killRedis))
  }
})

const env = (port: number, extra: Record<string, string> = {}) =>
  ({ REDIS_URL: `redis://127.0.0.1:${port}`, JOB_BOUNCE_EVERY_MS: '1000', JOB_SCHEDULE_CHECK_MS: '200', ...extra })
const readyz = async (a: TestApp) => {
  const t = Date.now()
  const res = await fetch(`${a.url}/readyz`, { signal: AbortSignal.timeout(10_000) })
  return { status: res.status, body: (await res.json()) as { ok: boolean; checks: Record<string, string> }, ms: Date.now() - t }
}
const jobDoneAfter = (log: ReturnType<typeof logSink>, t: number) => log.lines().some((l) => l.msg === 'job done' && l.time > t)
const scheduled = async (a: TestApp) => !!(await a.jobs!.queue.getJobScheduler(BOUNCE_JOB))

describe('redis faults', () => {
  it('FLUSHALL: the schedule comes back and the job runs again', async () => {
    const port = await freePort()
    await startRedis(port)
    const log = logSink()
    app = await startTestApp(env(port), { jobs: true, logger: log.logger })
    await waitFor('a first run', async () => jobDoneAfter(log, 0))
    const admin = new Redis(port, '127.0.0.1')
    await admin.flushall()
    const flushed = Date.now()
    admin.disconnect()
    await waitFor('the schedule back and a run after the flush', async () => (await scheduled(app!)) && jobDoneAfter(log, flushed))
    expect(log.lines().some((l) => /schedule missing/.test(l.msg))).toBe(true)
    expect((await readyz(app)).body.checks.jobs).toBe('ok')
  })

  it('Redis replaced by a new, empty server on the same port: the schedule comes back and the job runs', async () => {
    const port = await freePort()
    const first = await startRedis(port)
    const log = logSink()
    app = await startTestApp(env(port), { jobs: true, logger: log.logger })
    await waitFor('a first run', async () => jobDoneAfter(log, 0))
    await killRedis(first)
    await startRedis(port)
    const replaced = Date.now()
    await waitFor('the schedule back and a run on the new server', async () => (await scheduled(app!)) && jobDoneAfter(log, replaced))
    const r = await readyz(app)
    expect([r.status, r.body.checks]).toEqual([200, { clickhouse: 'ok', redis: 'ok', jobs: 'ok' }])
  })

  it('Redis down at start: ingest serves, /readyz promptly says jobs are paused; Redis comes up and jobs run', async () => {
    const port = await freePort()
    const log = logSink()
    app = await startTestApp(env(port), { jobs: true, logger: log.logger })
    const res = await post(app, 'records', ndjson([record({ source_id: 'G-NO-REDIS' })]))
    expect([res.status, res.body.accepted]).toEqual([200, 1])
    const r = await readyz(app)
    expect(r.ms).toBeLessThan(2000)
    // Still ready to serve ingest and the dashboard (200), but not all ok.
    expect([r.status, r.body.ok]).toEqual([200, false])
    expect(r.body.checks).toMatchObject({ clickhouse: 'ok', jobs: 'paused: redis unreachable' })
    expect(r.body.checks.redis).toMatch(/^down/)
    // Said once, with what to do.
    const said = log.lines().filter((l) => /REDIS_URL=.* is not reachable/.test(l.msg))
    expect(said).toHaveLength(1)
    expect(said[0].msg).toMatch(/paused/)
    const up = Date.now()
    await startRedis(port)
    await waitFor('a run once Redis is up', async () => jobDoneAfter(log, up))
    await waitFor('/readyz ok', async () => (await readyz(app!)).body.ok === true)
  })

  it('Redis killed mid-run: /readyz answers within 2 s, the outage is logged once through pino, nothing on stderr', async () => {
    const port = await freePort()
    const redis = await startRedis(port)
    const log = logSink()
    app = await startTestApp(env(port), { jobs: true, logger: log.logger })
    await waitFor('a first run', async () => jobDoneAfter(log, 0))
    const stderr: string[] = []
    const write = process.stderr.write
    process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => { stderr.push(String(chunk)); return (write as (...a: unknown[]) => boolean).call(process.stderr, chunk, ...rest) }) as typeof process.stderr.write
    const spies = (['error', 'warn', 'log', 'trace'] as const).map((m) => vi.spyOn(console, m).mockImplementation((...a: unknown[]) => { stderr.push(a.map(String).join(' ')) }))
    try {
      await killRedis(redis)
      const first = await readyz(app)
      expect(first.ms).toBeLessThan(2000)
      expect([first.status, first.body.ok]).toEqual([200, false])
      await waitFor('jobs paused', async () => (await readyz(app!)).body.checks.jobs === 'paused: redis unreachable')
      // Watch the outage for 6 s (several reconnect attempts per connection): every answer prompt and plain.
      const watchFrom = Date.now()
      while (Date.now() - watchFrom < 6000) {
        const r = await readyz(app)
        expect(r.ms).toBeLessThan(2000)
        expect([r.status, r.body.ok, r.body.checks.jobs]).toEqual([200, false, 'paused: redis unreachable'])
        expect(r.body.checks.redis).toMatch(/^down/)
        await new Promise((res) => setTimeout(res, 250))
      }
      const outage = log.lines().filter((l) => /redis (still )?unreachable/.test(l.msg))
      expect(outage.map((l) => l.msg)).toHaveLength(1)
      expect(outage[0].level).toBe(50) // error
      expect(log.text()).not.toMatch(/"stack"|\n\s+at /)
      expect(stderr).toEqual([])
      // And it says when Redis is back, once.
      const up = Date.now()
      await startRedis(port)
      await waitFor('a run after Redis came back', async () => jobDoneAfter(log, up))
      expect(log.lines().filter((l) => /redis reachable again/.test(l.msg))).toHaveLength(1)
    } finally {
      process.stderr.write = write
      for (const s of spies) s.mockRestore()
    }
  })

  it('stops promptly while Redis is down (no wait for a server that is not there)', async () => {
    const port = await freePort()
    const a = await startTestApp(env(port), { jobs: true, logger: logSink().logger })
    const t = Date.now()
    await a.stop()
    expect(Date.now() - t).toBeLessThan(5000)
  })

  it('a job that stops succeeding is reported overdue in /readyz', async () => {
    const port = await freePort()
    await startRedis(port)
    const log = logSink()
    app = await startTestApp(env(port, { JOB_OVERDUE_FACTOR: '2', JOB_OVERDUE_MARGIN_MS: '0' }), { jobs: true, logger: log.logger })
    await waitFor('a first run', async () => jobDoneAfter(log, 0))
    await app.jobs!.worker.close() // the schedule stays, nothing runs it
    const r = await waitFor('overdue', async () => { const x = await readyz(app!); return x.body.ok === false && x })
    expect(r.body.checks.jobs).toMatch(/^overdue: bounce-daily last succeeded \d+ s ago/)
    expect(r.body.checks.redis).toBe('ok')
  })
})
