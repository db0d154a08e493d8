// GET /api/export/records?from=&to=&platform= — the records behind the metrics, as NDJSON (any window up
// to about ten years, streamed month by month), so an evaluator can recompute every value from rows.
// Latest version of each record; no caller key and no free-text content (titles are masked at ingest),
// so nothing personal leaves in an export.
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { Readable } from 'node:stream'
import type { Db } from '../clickhouse'
import { parseWindow, windowParams, type TimeWindow } from '../metrics/window'
import { windowFinal } from '../metrics/definitions'
import { scopeOf } from './access/guard'
import { scopeSql } from '../scope'

/** About ten years: a window is streamed month by month (each month page by page), so its length costs time, not memory. */
const MAX_DAYS = 3700

export const EXPORT_COLUMNS = [
  'platform', 'source_id', 'channel', 'received_at', 'county_code', 'town_code', 'lat', 'lon', 'source_category',
  'category_code', 'kind', 'urgency', 'title', 'unit_code', 'due_at', 'status', 'accepted_at', 'dispatched_at',
  'signed_at', 'first_response_at', 'arrived_at', 'replied_at', 'closed_at', 'callback_at', 'callback_contacted',
  'callback_solved', 'satisfaction_first', 'satisfaction_final', 'confidential', 'version',
] as const

export const ExportQuery = z.object({ from: z.string().optional(), to: z.string().optional(), platform: z.enum(['12345', '110']).optional() })

/** [from, to) cut at Asia/Shanghai month starts. */
export function monthsOf(w: TimeWindow): TimeWindow[] {
  const out: TimeWindow[] = []
  for (let f = w.from; f < w.to;) {
    const d = new Date(f + 8 * 3_600_000) // Shanghai wall clock as UTC fields
    const next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - 8 * 3_600_000
    out.push({ from: f, to: Math.min(next, w.to) })
    f = Math.min(next, w.to)
  }
  return out
}

export function exportRoutes(db: Db, pageRows = 50_000) {
  return async function plugin(app: FastifyInstance) {
    app.get('/api/export/records', async (req, reply) => {
      const q = ExportQuery.safeParse(req.query)
      if (!q.success) return reply.code(400).send({ error: 'platform must be 12345 or 110' })
      const w = parseWindow(q.data, Date.now(), 1, MAX_DAYS)
      const scope = scopeOf(req)
      await app.audit.record({ actor: req.principal?.id ?? '', role: req.principal?.role ?? '', address: req.ip, action: 'export.read', target: req.url.slice(0, 500), outcome: 'ok' })
      // Record text (the masked title) reaches admin and member only; evaluators get the numbers.
      const withText = req.principal?.role === 'admin' || req.principal?.role === 'member'
      // A confidential record's text reaches admins only.
      const title = req.principal?.role === 'admin' ? 'title' : `if(confidential = 1, '', title) AS title`
      const cols = EXPORT_COLUMNS.filter((c) => withText || c !== 'title')
        .map((c) => (c === 'version' ? 'toString(version) AS version' : c === 'title' ? title : c)).join(', ')
      const platform = q.data.platform
      const whole = windowParams(w)
      const name = `records_${whole.from.slice(0, 10)}_${whole.to.slice(0, 10)}${platform ? '_' + platform : ''}.ndjson`
      // Streamed month by month (a month is a partition), each month page by page (keyset on the sort
      // key): years of a large city are far larger than one string may be, and the first rows leave
      // before the last are read. Records come ordered by month, then platform and id.
      async function* pages() {
        for (const m of monthsOf(w)) {
          const params = { ...windowParams(m), ...(platform ? { platform } : {}) }
          let after: { p: string; s: string } | null = null
          for (;;) {
            const rs = await db.query({
              query: `SELECT ${cols} FROM records FINAL
                WHERE ${windowFinal('received_at')}
                ${platform ? 'AND platform = {platform:String}' : ''} AND ${scopeSql('county_code', scope)}
                ${after ? 'AND (platform, source_id) > ({ap:String}, {as:String})' : ''}
                ORDER BY platform, source_id LIMIT {page:UInt32}`,
              format: 'JSONEachRow',
              query_params: { ...params, page: pageRows, ...(after ? { ap: after.p, as: after.s } : {}) },
            })
            const rows = (await rs.json()) as Record<string, unknown>[]
            if (rows.length) yield rows.map((r) => JSON.stringify(r)).join('\n') + '\n'
            if (rows.length < pageRows) break
            const last = rows[rows.length - 1]
            after = { p: String(last.platform), s: String(last.source_id) }
          }
        }
      }
      return reply
        .header('content-type', 'application/x-ndjson; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(Readable.from(pages()))
    })
  }
}
