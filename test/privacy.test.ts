import { describe, it, expect } from 'vitest'
import { callerKey, maskText, normalizePhone } from '../ingest/privacy'

describe('privacy', () => {
  it('normalises numbers so one caller gets one key, and the key depends on the secret', () => {
    expect(normalizePhone('+86 138-1234-5678')).toBe('13812345678')
    expect(normalizePhone('0086 13812345678')).toBe('13812345678')
    const a = callerKey('secret-secret-secret', '13812345678')
    expect(a).toBe(callerKey('secret-secret-secret', '+86 138 1234 5678'))
    expect(a).not.toBe(callerKey('another-secret-value', '13812345678'))
    expect(a).not.toContain('13812345678')
    expect(callerKey('secret-secret-secret', null)).toBe('')
  })
  it('masks mobiles, landlines and ID numbers inside text', () => {
    const s = maskText('电话13812345678，座机0371-65551234，身份证41010519900101123X，订单号20261125')
    expect(s).toBe('电话138****5678，座机0371-****34，身份证410105************，订单号20261125')
  })
})
