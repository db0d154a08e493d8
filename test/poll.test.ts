// The dashboard's poller against a real server: a county-scoped credential cannot read the city-wide
// bounce table (403); that shows as "city-wide only", not as a failed refresh, while the rest updates.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { startTestApp, type TestApp } from './helpers/app'
import { Poller, type PollState } from '../web/src/poll'

let app: TestApp
beforeAll(async () => { app = await startTestApp() })
afterAll(async () => { await app?.stop() })

/** One poll cycle with this bearer token, through the real API. */
async function cycleWith(token: string): Promise<PollState> {
  const p = new Poller({
    intervalMs: 60_000,
    fetch: (input, init) => fetch(app.url + String(input), { ...init, headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${token}` } }),
  })
  return new Promise((resolve) => {
    const off = p.subscribe((s) => {
      if (s.lastAttempt === null) return
      queueMicrotask(() => off())
      resolve(s)
    })
  })
}

describe('poller and scoped credentials', () => {
  it('marks city-wide bounces as forbidden for a county-scoped leader, without an error', async () => {
    const county = await app.tokens.create({ role: 'leader', regions: ['410105'] })
    const s = await cycleWith(county.token)
    expect(s.endpoints.bounces.forbidden).toMatch(/whole city only/)
    expect(s.bounces).toBeNull()
    expect(s.lastError).toBeNull()
    expect(s.overview).not.toBeNull()
    expect(s.lastSuccess).not.toBeNull()
  })

  it('reads bounces for a city-wide leader', async () => {
    const city = await app.tokens.create({ role: 'leader' })
    const s = await cycleWith(city.token)
    expect(s.endpoints.bounces.forbidden).toBeUndefined()
    expect(s.bounces).not.toBeNull()
    expect(s.lastError).toBeNull()
  })
})
