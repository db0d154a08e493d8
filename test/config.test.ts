import { describe, it, expect } from 'vitest'
import { loadConfig, ConfigError } from '../config'
import { detectorsConfig, DEFAULT_DETECTORS_CONFIG } from '../jobs/detectors'

describe('config', () => {
  it('takes detector thresholds from DETECT_CONFIG and names what is wrong in it', () => {
    expect(loadConfig({}).DETECT_CONFIG).toEqual({})
    const c = loadConfig({ DETECT_CONFIG: '{"surge":{"k":4},"repeat_caller":{"minCalls":4}}' })
    expect(detectorsConfig(c.DETECT_CONFIG).surge.k).toBe(4)
    expect(detectorsConfig(c.DETECT_CONFIG).surge.minCount).toBe(DEFAULT_DETECTORS_CONFIG.surge.minCount) // the rest stays default
    expect(detectorsConfig(c.DETECT_CONFIG).repeat_caller.minCalls).toBe(4)
    expect(() => loadConfig({ DETECT_CONFIG: '{"surges":{}}' })).toThrow(/DETECT_CONFIG: unknown detector surges/)
    expect(() => loadConfig({ DETECT_CONFIG: '{"surge":{"kk":1}}' })).toThrow(/surge\.kk: unknown field/)
    expect(() => loadConfig({ DETECT_CONFIG: '{"surge":{"k":"4"}}' })).toThrow(/surge\.k: expected number/)
    expect(() => loadConfig({ DETECT_CONFIG: '{surge' })).toThrow(/DETECT_CONFIG: not JSON/)
  })
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
  it('has no caller-hash secret by default (the app generates one into DATA_DIR) and refuses known or short ones in production', () => {
    expect(loadConfig({}).CALLER_HASH_SECRET).toBeUndefined()
    expect(loadConfig({ NODE_ENV: 'production' }).CALLER_HASH_SECRET).toBeUndefined()
    expect(() => loadConfig({ NODE_ENV: 'production', CALLER_HASH_SECRET: 'dev-only-caller-hash-secret-change-me' })).toThrow(/CALLER_HASH_SECRET.*published default/)
    expect(() => loadConfig({ NODE_ENV: 'production', CALLER_HASH_SECRET: 'a-real-secret-of-some-length' })).toThrow(/CALLER_HASH_SECRET.*at least 32/)
    const strong = 'a-real-random-secret-of-at-least-32-characters'
    expect(loadConfig({ NODE_ENV: 'production', CALLER_HASH_SECRET: strong }).CALLER_HASH_SECRET).toBe(strong)
    // Development takes a configured 16+ character value as it is.
    expect(loadConfig({ CALLER_HASH_SECRET: 'sixteen-chars-ok' }).CALLER_HASH_SECRET).toBe('sixteen-chars-ok')
  })
  it('reads ALLOWED_HOSTS as given (the server adds loopback names and HOST)', () => {
    expect(loadConfig({}).ALLOWED_HOSTS).toBeUndefined()
    expect(loadConfig({ ALLOWED_HOSTS: 'wall.example,10.0.0.5' }).ALLOWED_HOSTS).toBe('wall.example,10.0.0.5')
  })
  it('lets flags override the environment (npm start -- --no-demo)', () => {
    expect(loadConfig({ DEMO: 'true' }, { DEMO: 'false' }).DEMO).toBe(false)
  })
})
