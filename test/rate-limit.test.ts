// Request rate limits (analytics/api/rate-limit.ts): per token (else address) on ingest and reads, per
// address and account on sign-in; 429 with Retry-After and a message naming the limit; health never limited.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { startTestApp, type TestApp } from './helpers/app'

const INGEST = 5
const SIGNIN = 3
const READ = 6

let app: TestApp
beforeAll(async () => {
  app = await startTestApp({ RATE_LIMIT_INGEST_PER_MIN: String(INGEST), RATE_LIMIT_SIGNIN_PER_MIN: String(SIGNIN), RATE_LIMIT_READ_PER_MIN: String(READ) })
})
afterAll(async () => { await app?.stop() })

const newToken = async (role: 'admin' | 'wall' = 'admin') => (await app.tokens.create({ role, name: `rate-limit ${role}` })).token

// An empty ingest body: accepted (nothing stored), so only the limit decides the status.
const ingest = (token: string) => fetch(`${app.url}/api/ingest/records`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' }, body: '' })
const read = (token: string) => fetch(`${app.url}/api/metrics/definitions`, { headers: { authorization: `Bearer ${token}` } })
const statuses = async (n: number, f: () => Promise<Response>) => {
  const out: number[] = []
  for (let i = 0; i < n; i++) { const r = await f(); out.push(r.status); await r.arrayBuffer() }
  return out
}

describe('rate limits', () => {
  it('limits ingest per token: over the limit, 429 with Retry-After and a message naming the limit', async () => {
    const token = await newToken()
    const first = await statuses(INGEST, () => ingest(token))
    expect(first.every((s) => s !== 429)).toBe(true)
    const over = await ingest(token)
    expect(over.status).toBe(429)
    const retry = Number(over.headers.get('retry-after'))
    expect(retry).toBeGreaterThan(0)
    expect(retry).toBeLessThanOrEqual(60)
    const body = (await over.json()) as { error: string }
    expect(body.error).toMatch(/ingest limit is 5 per minute/)
    expect(body.error).not.toContain(token)
    // The same token from the same address stays limited.
    expect(await statuses(3, () => ingest(token))).toEqual([429, 429, 429])
  })

  it('gives each token its own budget', async () => {
    const a = await newToken()
    const b = await newToken()
    await statuses(INGEST, () => ingest(a))
    expect((await ingest(a)).status).toBe(429)
    const other = await statuses(INGEST, () => ingest(b))
    expect(other.every((s) => s !== 429)).toBe(true)
    expect((await ingest(b)).status).toBe(429)
  })

  it('limits reads per token, apart from ingest', async () => {
    const t = await newToken('wall')
    const ok = await statuses(READ, () => read(t))
    expect(ok.every((s) => s === 200)).toBe(true)
    const over = await read(t)
    expect(over.status).toBe(429)
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(((await over.json()) as { error: string }).error).toMatch(/API read limit is 6 per minute/)
    // Another token still reads; the limited one's ingest budget is untouched by its reads.
    expect((await read(await newToken('wall'))).status).toBe(200)
  })

  it('limits sign-in per address, before the failed-sign-in limiter', async () => {
    // Bodies without a username are refused (400) without counting as failed sign-ins; the address limit counts them.
    const signIn = (body: unknown) => fetch(`${app.url}/api/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    expect(await statuses(SIGNIN, () => signIn({}))).toEqual(Array(SIGNIN).fill(400))
    const over = await signIn({ username: 'someone', password: 'whatever it is here' })
    expect(over.status).toBe(429)
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(((await over.json()) as { error: string }).error).toMatch(/sign-in limit is 3 per minute per address/)
  })

  it('never limits /healthz or /readyz', async () => {
    const health = await statuses(READ * 4, () => fetch(`${app.url}/healthz`))
    expect(health.every((s) => s === 200)).toBe(true)
    const ready = await statuses(READ * 2, () => fetch(`${app.url}/readyz`))
    expect(ready.every((s) => s !== 429)).toBe(true)
  })
})
