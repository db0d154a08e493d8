// Finding Redis for `npm start`: an explicit REDIS_URL is used; otherwise 127.0.0.1:6379 or a
// redis-server from PATH. When nothing answers, start-up goes on with jobs paused, and the handle
// says how to get a Redis (test/redis-faults.test.ts covers the app doing that).
import { describe, it, expect } from 'vitest'
import { Redis } from 'ioredis'
import { ensureRedis } from '../jobs/redis'

const log = { info: () => {} }
const freePort = () => 30000 + Math.floor(Math.random() * 10000) // crash.test.ts uses 20000–29999

describe('ensureRedis', () => {
  it('uses a Redis that answers', async () => {
    const h = await ensureRedis('redis://127.0.0.1:6379', true, log)
    expect(h.child).toBeNull()
    expect(h.unavailable).toBeNull()
  })

  it('keeps an explicit REDIS_URL that does not answer, naming it, with jobs paused (no exception)', async () => {
    const url = `redis://127.0.0.1:${freePort()}`
    const h = await ensureRedis(url, true, log)
    expect(h.url).toBe(url)
    expect(h.child).toBeNull()
    expect(h.unavailable).toMatch(new RegExp(`REDIS_URL=${url} is not reachable`))
    expect(h.unavailable).toMatch(/paused/)
  })

  it('starts redis-server from PATH when nothing answers, and stops it', async () => {
    const url = `redis://127.0.0.1:${freePort()}`
    const h = await ensureRedis(url, false, log)
    expect(h.child).not.toBeNull()
    const r = new Redis(url)
    expect(await r.ping()).toBe('PONG')
    r.disconnect()
    const exited = new Promise((res) => h.child!.once('exit', res))
    h.stop()
    await exited
  })

  it('says how to install Redis when there is none on PATH, and goes on with jobs paused', async () => {
    const path = process.env.PATH
    process.env.PATH = '/nonexistent'
    try {
      const h = await ensureRedis(`redis://127.0.0.1:${freePort()}`, false, log)
      expect(h.child).toBeNull()
      expect(h.unavailable).toMatch(/apt-get install redis-server/)
      expect(h.unavailable).toMatch(/REDIS_URL/)
      expect(h.unavailable).toMatch(/paused/)
    } finally {
      process.env.PATH = path
    }
  })
})
