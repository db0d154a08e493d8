import { describe, it, expect } from 'vitest'
import { SharedCache } from '../analytics/api/shared-cache'

describe('SharedCache', () => {
  it('shares one computation among identical requests, then recomputes after the ttl', async () => {
    const c = new SharedCache(50)
    let runs = 0
    const f = async () => { runs++; await new Promise((r) => setTimeout(r, 10)); return runs }
    const got = await Promise.all([c.get('a', f), c.get('a', f), c.get('a', f)])
    expect(got).toEqual([1, 1, 1])
    expect(await c.get('b', f)).toBe(2)
    await new Promise((r) => setTimeout(r, 60))
    expect(await c.get('a', f)).toBe(3)
  })
  it('does not remember failures', async () => {
    const c = new SharedCache(10_000)
    await expect(c.get('x', async () => { throw new Error('down') })).rejects.toThrow('down')
    expect(await c.get('x', async () => 'up')).toBe('up')
  })
  it('stays within its size', async () => {
    const c = new SharedCache(10_000, 3)
    for (let i = 0; i < 10; i++) await c.get(`k${i}`, async () => i)
    expect(await c.get('k0', async () => 'recomputed')).toBe('recomputed')
    expect(await c.get('k9', async () => 'recomputed')).toBe(9)
  })
})
