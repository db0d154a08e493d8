// Personal data handling at the edge: caller numbers become a keyed hash; free text is masked.
import { createHmac } from 'node:crypto'

/** Digits only, without the +86/0086 country prefix, so one caller has one key however it was written. */
export function normalizePhone(p: string): string {
  let d = p.replace(/\D/g, '')
  if (d.startsWith('0086')) d = d.slice(4)
  else if (d.startsWith('86') && d.length === 13) d = d.slice(2)
  return d
}

/** Keyed hash (HMAC-SHA256, 128 bits hex) of a caller number: counts repeat callers, cannot be reversed without the key. */
export function callerKey(secret: string, phone: string | null): string {
  if (!phone) return ''
  const n = normalizePhone(phone)
  if (!n) return ''
  return createHmac('sha256', secret).update(n).digest('hex').slice(0, 32)
}

// Mainland ID card numbers (18 chars), mobile numbers (11 digits, 1[3-9]…), landlines (0xx-xxxxxxxx).
const ID_CARD = /(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])/g
const MOBILE = /(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)/g
const LANDLINE = /(?<!\d)(0\d{2,3})[- ]?(\d{7,8})(?!\d)/g

/** Masks phone and ID numbers inside free text (titles, contents, quarantined raw lines). */
export function maskText(s: string): string {
  if (!s) return s
  return s
    .replace(ID_CARD, (_m, a: string) => `${a}************`)
    .replace(MOBILE, (_m, a: string, _b: string, c: string) => `${a}****${c}`)
    .replace(LANDLINE, (_m, a: string, b: string) => `${a}-****${b.slice(-2)}`)
}
