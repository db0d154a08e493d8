import { describe, it, expect } from 'vitest'
import { loadConfig, ConfigError } from '../config'

describe('config', () => {
  it('has working defaults: embedded ClickHouse, local Redis, demo on', () => {
    const c = loadConfig({})
    expect(c).toMatchObject({ PORT: 8080, DATA_DIR: './data', DEMO: true, redisUrl: 'redis://127.0.0.1:6379', redisUrlExplicit: false })
    expect(c.CLICKHOUSE_URL).toBeUndefined()
  })
  it('names every bad variable in one error', () => {
    try {
      loadConfig({ PORT: 'eighty', CLICKHOUSE_URL: 'not a url', DEMO: 'maybe' })
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError)
      const m = (e as Error).message
      expect(m).toMatch(/PORT/)
      expect(m).toMatch(/CLICKHOUSE_URL/)
      expect(m).toMatch(/DEMO/)
    }
  })
  it('refuses the development hash secret in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/CALLER_HASH_SECRET/)
    expect(loadConfig({ NODE_ENV: 'production', CALLER_HASH_SECRET: 'a-real-secret-of-some-length' }).NODE_ENV).toBe('production')
  })
  it('lets flags override the environment (npm start -- --no-demo)', () => {
    expect(loadConfig({ DEMO: 'true' }, { DEMO: 'false' }).DEMO).toBe(false)
  })
})
