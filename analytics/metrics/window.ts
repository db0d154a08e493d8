// Time windows of metric queries: [from, to) in Asia/Shanghai, from query strings or defaults.
import { parseTimestamp } from '../../model/record'
import { chTime } from '../../ingest/rows'

const DAY = 86_400_000
const OFFSET = 8 * 3600_000

export interface TimeWindow { from: number; to: number }

/** A bad window from a query string: the server answers it with 400 and this message. */
export class WindowError extends Error {
  readonly statusCode = 400
}

/** Start of the Asia/Shanghai day containing t. */
export const shanghaiDayStart = (t: number) => Math.floor((t + OFFSET) / DAY) * DAY - OFFSET

function parseBound(name: string, v: string): number {
  const t = /^\d{4}-\d{2}-\d{2}$/.test(v) ? parseTimestamp(`${v} 00:00`) : parseTimestamp(v)
  if (t === null) throw new WindowError(`${name}: not a date or timestamp: "${v}" (e.g. 2026-11-01 or 2026-11-01T08:00:00+08:00)`)
  return t
}

/** Default: the last `days` Shanghai days including today, up to now. A date-only `to` includes that whole day. */
export function parseWindow(q: { from?: string; to?: string }, now = Date.now(), days = 14, maxDays = 400): TimeWindow {
  const to = q.to ? parseBound('to', q.to) + (/^\d{4}-\d{2}-\d{2}$/.test(q.to) ? DAY : 0) : now
  const from = q.from ? parseBound('from', q.from) : shanghaiDayStart(now) - (days - 1) * DAY
  if (from >= to) throw new WindowError('from must be before to')
  if (to - from > maxDays * DAY) throw new WindowError(`from–to: window longer than ${maxDays} days`)
  return { from, to }
}

/**
 * The instant metrics are judged at (whether a limit has passed): ?as_of= or now. A date alone means
 * the start of that day, like `from`. Explicit, so the same as_of on the same data gives the same answer.
 */
export function parseAsOf(v: string | undefined, now = Date.now()): number {
  return v ? parseBound('as_of', v) : now
}

export const isoShanghai = (t: number) => chTime(t).replace(' ', 'T') + '+08:00'
export const windowParams = (w: TimeWindow) => ({ from: chTime(w.from), to: chTime(w.to) })
export const describeWindow = (w: TimeWindow) => ({ from: isoShanghai(w.from), to: isoShanghai(w.to), tz: 'Asia/Shanghai' as const })
