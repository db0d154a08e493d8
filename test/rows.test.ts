import { describe, it, expect } from 'vitest'
import { chTime } from '../ingest/rows'

describe('chTime', () => {
  it('formats epoch ms as Asia/Shanghai wall-clock time with milliseconds', () => {
    expect(chTime(Date.parse('2026-11-25T23:59:59.999+08:00'))).toBe('2026-11-25 23:59:59.999')
    expect(chTime(Date.parse('2026-11-25T16:00:00.000Z'))).toBe('2026-11-26 00:00:00.000')
    expect(chTime(Date.parse('1999-12-31T16:00:00.007Z'))).toBe('2000-01-01 00:00:00.007')
    expect(chTime(null)).toBeNull()
  })
  it('agrees with the Date-based form for many instants, in any order', () => {
    let x = 12345
    const rand = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    for (let i = 0; i < 20_000; i++) {
      const t = Math.floor(Date.UTC(2000, 0, 1) + rand() * 40 * 365 * 86_400_000)
      expect(chTime(t)).toBe(new Date(t + 8 * 3_600_000).toISOString().replace('T', ' ').replace('Z', ''))
    }
  })
})
