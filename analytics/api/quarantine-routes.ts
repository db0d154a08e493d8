// GET /api/ingest/quarantine — recently rejected input with reasons, for the operator fixing a source
// (raw text is masked at ingest). One request flooding bad lines must not push everyone else's out of
// view: rows are listed at most `per_request` per request, and `requests` counts each request's lines.
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { Db } from '../clickhouse'
import { queryRows } from '../clickhouse'

export const QuarantineQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  per_request: z.coerce.number().int().min(1).max(500).default(20),
  request_id: z.string().uuid().optional(),
  kind: z.enum(['records', 'events']).optional(),
})

export function quarantineRoutes(db: Db) {
  return async function plugin(app: FastifyInstance) {
    app.get('/api/ingest/quarantine', async (req, reply) => {
      const q = QuarantineQuery.safeParse(req.query)
      if (!q.success) return reply.code(400).send({ error: q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') })
      // Quarantined lines have no region: admin sees all, any other caller (a source) only what it sent.
      const own = req.principal?.role === 'admin' ? null : req.principal?.id ?? '\u0000nobody'
      const where = [q.data.request_id ? 'request_id = {request_id:String}' : '', q.data.kind ? 'kind = {kind:String}' : '', own !== null ? 'sender = {sender:String}' : ''].filter(Boolean)
      const cond = where.length ? `WHERE ${where.join(' AND ')}` : ''
      const params = { ...q.data, ...(own !== null ? { sender: own } : {}) }
      const rows = await queryRows(db,
        `SELECT toString(quarantined_at) AS quarantined_at, kind, request_id, line, source_key, errors, raw
         FROM quarantine ${cond}
         ORDER BY quarantined_at DESC, line LIMIT {per_request:UInt32} BY request_id LIMIT {limit:UInt32}`, params)
      const requests = await queryRows(db,
        `SELECT request_id, any(kind) AS kind, count() AS lines, toString(min(quarantined_at)) AS first_at, toString(max(quarantined_at)) AS last_at
         FROM quarantine ${cond} GROUP BY request_id ORDER BY max(quarantined_at) DESC LIMIT {limit:UInt32}`, params)
      return {
        rows: rows.map((r) => ({ ...r, errors: JSON.parse(String(r.errors)) })),
        requests: requests.map((r) => ({ ...r, lines: Number(r.lines) })),
      }
    })
  }
}
