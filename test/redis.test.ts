// Finding Redis for `npm start`: an explicit REDIS_URL must answer; otherwise redis-server from PATH
// is started; with neither, the error says how to get one.
import { describe, it, expect } from 'vitest'
import { Redis } from 'ioredis'
import { ensureRedis, RedisUnavailableError } from '../jobs/redis'

const log = { info: () => {} }
const freePort = () => 30000 + Math.floor(Math.random() * 10000) // crash.test.ts uses 20000–29999

describe('ensureRedis', () => {
  it('uses a Redis that answers', async () => {
    const h = await ensureRedis('redis://127.0.0.1:6379', true, log)
    expect(h.child).toBeNull()
  })

  it('refuses an explicit REDIS_URL that does not answer, naming it', async () => {
    const url = `redis://127.0.0.1:${freePort()}`
    await expect(ensureRedis(url, true, log)).rejects.toThrow(new RegExp(`REDIS_URL=${url} is not reachable`))
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

  it('says how to install Redis when there is none on PATH', async () => {
    const path = process.env.PATH
    process.env.PATH = '/nonexistent'
    try {
      const e = await ensureRedis(`redis://127.0.0.1:${freePort()}`, false, log).catch((x) => x)
      expect(e).toBeInstanceOf(RedisUnavailableError)
      expect(e.message).toMatch(/apt-get install redis-server/)
      expect(e.message).toMatch(/REDIS_URL/)
    } finally {
      process.env.PATH = path
    }
  })
})
