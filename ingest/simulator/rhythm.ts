// Expected arrivals per hour on each platform, in Asia/Shanghai local time (UTC+8, no DST).
// Shapes follow public descriptions of hotline and police-desk load: 12345 is an office-hours
// service (peaks 9–11h and 14–17h, quiet at night, lower at weekends); 110 follows street life
// (evening/night peak 19–23h, trough 3–6h, busier Friday and Saturday nights).
import type { Platform } from '../../model/record'

export const TZ_OFFSET_MS = 8 * 3600_000
export const HOUR_MS = 3600_000
export const DAY_MS = 24 * HOUR_MS

/** Volume per day at scale 1 (roughly Zhengzhou-sized). */
export const DAILY_VOLUME: Record<Platform, number> = { '12345': 12000, '110': 6000 }

// Relative load per local hour 0..23 (normalised below).
const HOURLY_12345 = [0.9, 0.5, 0.3, 0.25, 0.25, 0.4, 1.2, 3.0, 6.5, 9.0, 9.5, 8.5, 5.5, 5.0, 7.8, 8.6, 8.4, 7.5, 5.0, 3.8, 3.2, 2.6, 2.0, 1.4]
const HOURLY_110 = [3.9, 3.0, 2.2, 1.6, 1.3, 1.4, 2.0, 3.0, 3.9, 4.3, 4.5, 4.6, 4.5, 4.3, 4.4, 4.6, 4.8, 5.1, 5.6, 6.2, 6.5, 6.4, 5.8, 4.8]
// Relative load per local weekday, Sunday = 0.
const WEEKLY_12345 = [0.62, 1.15, 1.1, 1.07, 1.05, 1.0, 0.7]
const WEEKLY_110 = [1.0, 0.96, 0.95, 0.96, 0.98, 1.05, 1.1]

const norm = (a: number[]) => {
  const s = a.reduce((x, y) => x + y, 0)
  return a.map((x) => x / s)
}
const HOURLY = { '12345': norm(HOURLY_12345), '110': norm(HOURLY_110) }
const WEEKLY = {
  '12345': WEEKLY_12345.map((x) => (x * 7) / WEEKLY_12345.reduce((a, b) => a + b)),
  '110': WEEKLY_110.map((x) => (x * 7) / WEEKLY_110.reduce((a, b) => a + b)),
}

/** Local (UTC+8) hour and weekday of an instant. */
export function localParts(ms: number): { hour: number; dow: number; dayIndex: number } {
  const local = ms + TZ_OFFSET_MS
  const dayIndex = Math.floor(local / DAY_MS)
  return { hour: Math.floor((local - dayIndex * DAY_MS) / HOUR_MS), dow: (dayIndex + 4) % 7, dayIndex } // 1970-01-01 was a Thursday
}

/** Expected number of matters received on `platform` in the local hour that contains `ms`. */
export function expectedPerHour(platform: Platform, ms: number, scale = 1): number {
  const { hour, dow } = localParts(ms)
  let f = HOURLY[platform][hour] * WEEKLY[platform][dow]
  if (platform === '110') {
    // Friday/Saturday nights: bars, gatherings, fights, drink-driving; carries past midnight.
    const lateFriSat = (dow === 5 || dow === 6) && hour >= 19
    const earlySatSun = (dow === 6 || dow === 0) && hour <= 3
    if (lateFriSat || earlySatSun) f *= 1.3
  }
  return DAILY_VOLUME[platform] * scale * f
}

/** Is this a working-hours instant (Mon–Fri 8:30–17:30 local)? Handling units mostly act then. */
export function isWorkingTime(ms: number): boolean {
  const { hour, dow } = localParts(ms)
  const minutes = (((ms + TZ_OFFSET_MS) % HOUR_MS) / 60_000) | 0
  const hm = hour * 60 + minutes
  return dow >= 1 && dow <= 5 && hm >= 510 && hm < 1050
}

/** Next working-time instant at or after ms (moved to 8:30 + a little of the next working day). */
export function nextWorkingTime(ms: number): number {
  if (isWorkingTime(ms)) return ms
  let { dayIndex, hour, dow } = localParts(ms)
  // Before 8:30 on a weekday → that morning; otherwise the next weekday morning.
  if (!(dow >= 1 && dow <= 5 && hour < 9 && (ms + TZ_OFFSET_MS) % DAY_MS < 510 * 60_000)) {
    do {
      dayIndex++
      dow = (dow + 1) % 7
    } while (dow === 0 || dow === 6)
  }
  return dayIndex * DAY_MS - TZ_OFFSET_MS + 510 * 60_000
}
