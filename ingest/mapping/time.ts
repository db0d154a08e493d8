// Timestamps as exports write them, read in a source time zone.
//
// A format is a pattern of tokens (YYYY year, M/MM month, D/DD day, H/HH hour 0-23, h/hh hour 1-12,
// m/mm minutes, s/ss seconds, S… fraction, A AM/PM or 上午/下午, Z offset (Z, +08:00, +0800);
// [ … ] optional; anything else literal), or a name:
//   iso    ISO 8601 / RFC 3339, with or without an offset (2019-02-28T11:25:05+08:00, 2019-02-28 11:25:05)
//   excel  a spreadsheet serial day number (43524.475 = 2019-02-28 11:24:00, 1900 date system)
//   epoch_s, epoch_ms  Unix time
// A value without an offset is a wall-clock time in the source zone: an IANA name (Asia/Shanghai,
// America/New_York: daylight saving time applied) or a fixed offset (+08:00, -05:00). A wall time
// that does not exist (the hour skipped in spring) or exists twice (autumn) is read the way
// Temporal's "compatible" rule does: shifted forward, and the earlier of the two.

export const DEFAULT_FORMATS = ['iso', 'YYYY/M/D[ H:mm[:ss]]', 'YYYY-M-D[ H:mm[:ss]]', 'YYYY.M.D[ H:mm[:ss]]', 'YYYY年M月D日[ H:mm[:ss]]']

export class TimeZone {
  private readonly fixedMs: number | null
  private readonly dtf: Intl.DateTimeFormat | null

  private constructor(readonly name: string, fixedMs: number | null) {
    this.fixedMs = fixedMs
    this.dtf = fixedMs === null
      ? new Intl.DateTimeFormat('en-US', { timeZone: name, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
      : null
  }

  /** An IANA zone name or ±HH:MM (also ±HHMM, ±HH, Z, UTC). Throws with a readable message. */
  static of(spec: string): TimeZone {
    const off = parseOffset(spec)
    if (off !== null) return new TimeZone(spec, off)
    try {
      return new TimeZone(new Intl.DateTimeFormat('en-US', { timeZone: spec }).resolvedOptions().timeZone, null)
    } catch {
      throw new Error(`unknown time zone ${JSON.stringify(spec)}: use an IANA name such as Asia/Shanghai or America/New_York, or an offset such as +08:00`)
    }
  }

  // Offsets by quarter hour: zones change offset only on quarter hours, and Intl is slow (~10 µs a call).
  private readonly offsets = new Map<number, number>()

  /** Offset from UTC (ms) in force at an instant. */
  offsetAt(t: number): number {
    if (this.fixedMs !== null) return this.fixedMs
    const q = Math.floor(t / 900_000)
    let o = this.offsets.get(q)
    if (o === undefined) {
      if (this.offsets.size >= 200_000) this.offsets.clear()
      o = this.intlOffset(q * 900_000)
      this.offsets.set(q, o)
    }
    return o
  }

  private intlOffset(t: number): number {
    const p: Record<string, number> = {}
    for (const x of this.dtf!.formatToParts(new Date(t))) if (x.type !== 'literal') p[x.type] = +x.value
    const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second)
    return wall - Math.floor(t / 1000) * 1000
  }

  /** The instant of a wall-clock time (given as if UTC, ms) in this zone. */
  toInstant(wallMs: number): number {
    if (this.fixedMs !== null) return wallMs - this.fixedMs
    // The offsets a day either side bracket any transition; try each, keep one that reproduces the wall time.
    const before = this.offsetAt(wallMs - 86_400_000)
    const after = this.offsetAt(wallMs + 86_400_000)
    const candidates = [wallMs - before, wallMs - after].sort((a, b) => a - b)
    for (const t of candidates) if (t + this.offsetAt(t) === wallMs) return t // earlier of two when both exist
    // Skipped in spring: read with the offset from before the gap, i.e. shifted forward by the gap.
    return wallMs - before
  }
}

function parseOffset(s: string): number | null {
  if (s === 'Z' || s === 'UTC' || s === 'GMT') return 0
  const m = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(s)
  if (!m || +m[2] > 14 || +(m[3] ?? 0) > 59) return null
  return (m[1] === '-' ? -1 : 1) * (+m[2] * 60 + +(m[3] ?? 0)) * 60_000
}

interface Parts { y: number; mo: number; d: number; h: number; mi: number; s: number; ms: number; pm?: boolean; h12?: boolean; offsetMs?: number }
type Parser = (s: string, tz: TimeZone) => number | null

const cache = new Map<string, Parser>()

/** A parser for one format (pattern or name); throws on a pattern it cannot read. */
export function compileFormat(format: string): Parser {
  let p = cache.get(format)
  if (!p) { p = build(format); cache.set(format, p) }
  return p
}

function build(format: string): Parser {
  switch (format) {
    case 'iso': return isoParser
    case 'excel': return excelParser
    case 'epoch_s': return (s) => (/^-?\d+(\.\d+)?$/.test(s) ? Math.round(+s * 1000) : null)
    case 'epoch_ms': return (s) => (/^-?\d+$/.test(s) ? +s : null)
  }
  const setters: ((p: Parts, v: string) => void)[] = []
  let re = ''
  const tokens: [string, string, (p: Parts, v: string) => void][] = [
    ['YYYY', '(\\d{4})', (p, v) => { p.y = +v }],
    ['MM', '(\\d{2})', (p, v) => { p.mo = +v }], ['M', '(\\d{1,2})', (p, v) => { p.mo = +v }],
    ['DD', '(\\d{2})', (p, v) => { p.d = +v }], ['D', '(\\d{1,2})', (p, v) => { p.d = +v }],
    ['HH', '(\\d{2})', (p, v) => { p.h = +v }], ['H', '(\\d{1,2})', (p, v) => { p.h = +v }],
    ['hh', '(\\d{2})', (p, v) => { p.h = +v; p.h12 = true }], ['h', '(\\d{1,2})', (p, v) => { p.h = +v; p.h12 = true }],
    ['mm', '(\\d{2})', (p, v) => { p.mi = +v }], ['m', '(\\d{1,2})', (p, v) => { p.mi = +v }],
    ['ss', '(\\d{2})', (p, v) => { p.s = +v }], ['s', '(\\d{1,2})', (p, v) => { p.s = +v }],
    ['S', '(\\d{1,9})', (p, v) => { p.ms = Math.floor(+v.padEnd(3, '0').slice(0, 3)) }],
    ['A', '(AM|PM|am|pm|a\\.m\\.|p\\.m\\.|上午|下午)', (p, v) => { p.pm = /^(p|下)/i.test(v); p.h12 = true }],
    ['Z', '(Z|[+-]\\d{2}:?\\d{2})', (p, v) => { p.offsetMs = parseOffset(v) ?? 0 }],
  ]
  let depth = 0
  for (let i = 0; i < format.length; ) {
    const ch = format[i]
    if (ch === '[') { re += '(?:'; depth++; i++; continue }
    if (ch === ']') { if (!depth--) throw new Error(`time format ${JSON.stringify(format)}: unbalanced ]`); re += ')?'; i++; continue }
    const t = tokens.find(([tok]) => format.startsWith(tok, i))
    if (t) {
      re += t[1]
      setters.push(t[2])
      // A run of S is one fraction token.
      i += t[0] === 'S' ? (/^S+/.exec(format.slice(i))![0].length) : t[0].length
      continue
    }
    re += ch === ' ' ? '\\s+' : ch.replace(/[.*+?^${}()|\\/-]/g, '\\$&')
    i++
  }
  if (depth) throw new Error(`time format ${JSON.stringify(format)}: unbalanced [`)
  if (!/YYYY/.test(format) || !/M/.test(format) || !/D/.test(format)) throw new Error(`time format ${JSON.stringify(format)} needs YYYY, M and D`)
  const rx = new RegExp(`^${re}$`)
  return (s, tz) => {
    const m = rx.exec(s)
    if (!m) return null
    const p: Parts = { y: 0, mo: 0, d: 0, h: 0, mi: 0, s: 0, ms: 0 }
    for (let k = 0; k < setters.length; k++) if (m[k + 1] !== undefined) setters[k](p, m[k + 1])
    if (p.h12) {
      if (p.h < 1 || p.h > 12) return null
      if (p.pm !== undefined) p.h = (p.h % 12) + (p.pm ? 12 : 0)
    }
    return fromParts(p, tz)
  }
}

function fromParts(p: Parts, tz: TimeZone): number | null {
  if (p.mo < 1 || p.mo > 12 || p.d < 1 || p.d > daysIn(p.y, p.mo) || p.h > 23 || p.mi > 59 || p.s > 59) return null
  const wall = Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s, p.ms)
  return p.offsetMs !== undefined ? wall - p.offsetMs : tz.toInstant(wall)
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i
const isoParser: Parser = (s, tz) => {
  const m = ISO.exec(s)
  if (!m) return null
  const [, y, mo, d, h = '0', mi = '0', se = '0', frac = '0', zone] = m
  const offsetMs = zone ? parseOffset(zone.toUpperCase()) : undefined
  if (offsetMs === null) return null
  return fromParts({ y: +y, mo: +mo, d: +d, h: +h, mi: +mi, s: +se, ms: +frac.padEnd(3, '0').slice(0, 3), offsetMs }, tz)
}

// Day 0 of the 1900 system is 1899-12-30 once Lotus' phantom 1900-02-29 (serial 60) is accounted for.
const EXCEL_EPOCH = Date.UTC(1899, 11, 30)
const excelParser: Parser = (s, tz) => {
  if (!/^\d+(\.\d+)?$/.test(s)) return null
  const v = +s
  if (v < 61 || v > 2_958_465) return null // before 1900-03-01 (the phantom leap day) or after 9999-12-31
  // Rounded to the millisecond: serials carry float noise (43524.475 is not exact).
  return tz.toInstant(EXCEL_EPOCH + Math.round(v * 86_400_000))
}

const DAYS_IN = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const daysIn = (y: number, m: number) => (m === 2 && ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0) ? 29 : DAYS_IN[m - 1])

/** Reads a value with the first format that fits; null when none does. */
export function parseTime(value: string, formats: readonly string[], tz: TimeZone): number | null {
  const s = value.trim()
  for (const f of formats) {
    const t = compileFormat(f)(s, tz)
    if (t !== null && Number.isFinite(t)) return t
  }
  return null
}
