// GET /api/hotspots?from=&to=&limit= — hot issues found from appeal text, ranked by heat: the list the
// wall's hot-issues panel shows. Region-scoped like the metrics (the caller's counties only). The answer
// carries derived labels (entity + problem), counts and record ids — never appeal text or caller keys.
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { Db } from '../clickhouse'
import { SharedCache } from './shared-cache'
import { parseWindow, describeWindow, isoShanghai } from '../metrics/window'
import { scopeOf } from './access/guard'
import { scopeKey } from '../scope'
import { queryHotIssues } from '../hotspots/query'
import { HEAT_FORMULA } from '../hotspots/heat'
import type { HotIssue } from '../hotspots/hot-issues'

/** Default window: the last 7 Shanghai days (hot issues are about what is happening now). */
export const HOTSPOT_DEFAULT_DAYS = 7
const MAX_DAYS = 92
export const HOTSPOT_CACHE_MS = 30_000

export const HotspotsQuery = z.object({
  from: z.string().optional(),
  to: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(10),
})

/** What leaves the server of a hot issue: labels, counts, times and ids (no text, no caller keys). */
function publicHotIssue(h: HotIssue, rank: number) {
  return {
    rank,
    fingerprint: h.fingerprint,
    title: h.title,
    entity: h.entity,
    entity_type: h.entity_type,
    problem: h.problem,
    problem_key: h.problem_key,
    county_code: h.county_code,
    category_code: h.category_code,
    first_seen: isoShanghai(h.first_seen),
    last_seen: isoShanghai(h.last_seen),
    counts: h.counts,
    heat: h.heat,
    heat_parts: h.heat_parts,
    series: h.series,
    samples: h.samples,
  }
}

export function hotspotsRoutes(db: Db, cacheMs = 2000) {
  // Segmenting a window takes seconds on a large city, and hot issues do not change by the second:
  // concurrent and repeated requests share one answer for at least HOTSPOT_CACHE_MS (0 turns caching off).
  const cache = new SharedCache(cacheMs === 0 ? 0 : Math.max(cacheMs, HOTSPOT_CACHE_MS))
  return async function plugin(app: FastifyInstance) {
    app.get('/api/hotspots', async (req, reply) => {
      const p = HotspotsQuery.safeParse(req.query)
      if (!p.success) return reply.code(400).send({ error: p.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') })
      const w = parseWindow(p.data, Date.now(), HOTSPOT_DEFAULT_DAYS)
      if (w.to - w.from > MAX_DAYS * 86_400_000) return reply.code(400).send({ error: `window longer than ${MAX_DAYS} days` })
      const scope = scopeOf(req)
      const key = JSON.stringify(['hotspots', scopeKey(scope), p.data.from ?? null, p.data.to ?? null, p.data.limit])
      return cache.get(key, async () => {
        const issues = await queryHotIssues(db, w, scope, { limit: p.data.limit })
        return { window: describeWindow(w), heat_formula: HEAT_FORMULA, hotspots: issues.map((h, i) => publicHotIssue(h, i + 1)) }
      })
    })
  }
}
