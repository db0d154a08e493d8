// Consultation items (会商事项): GET /api/items (the queue), /api/items/:id (item, evidence, history),
// /api/items/:id/impact (before/after a decision), /api/items/agenda (agenda and minutes, md or html),
// /api/items/units (the units, categories and counties the consultation room's forms name),
// POST /api/items/:id/transition (review, decide, dismiss, close, reopen; audited).
import type { FastifyInstance, FastifyReply } from 'fastify'
import { z } from 'zod'
import type { Db } from '../clickhouse'
import { ItemStore } from '../items/store'
import { itemImpact } from '../items/impact'
import { agendaHtml, agendaMarkdown } from '../items/agenda'
import { ACTIONS, ITEM_ID, ItemError, STATUSES, unitNames } from '../items/model'
import { Reference } from '../../ingest/reference'
import { FINDING_KINDS, SEVERITIES } from '../../model/finding'
import { parseAsOf, isoShanghai } from '../metrics/window'
import { scopeOf } from './access/guard'

/** A comma-separated list of allowed values (`?status=open,under_review`). */
const listOf = (allowed: readonly string[] | RegExp, name: string) => z.string().max(2000).optional().transform((s, ctx) => {
  const vs = (s ?? '').split(',').map((v) => v.trim()).filter(Boolean)
  for (const v of vs) {
    const ok = allowed instanceof RegExp ? allowed.test(v) : allowed.includes(v)
    if (!ok) ctx.addIssue({ code: 'custom', message: `${name}: unknown value ${v.slice(0, 40)}${allowed instanceof RegExp ? '' : ` (one of ${allowed.join(', ')})`}` })
  }
  return vs
})

export const ItemListQuery = z.object({
  kind: listOf(FINDING_KINDS, 'kind'),
  severity: listOf(SEVERITIES, 'severity'),
  status: listOf(STATUSES, 'status'),
  county: listOf(/^\d{6}$|^$/, 'county'),
  category: listOf(/^[A-Z0-9_]{1,40}$/, 'category'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  order: z.enum(['severity', 'recent']).default('severity'),
})

export const ItemTransition = z.object({
  action: z.enum(ACTIONS),
  expected_version: z.number().int().min(1),
  reason: z.string().max(2000).optional(),
  decision: z.unknown().optional(),
})

export const AgendaQuery = z.object({
  ids: listOf(ITEM_ID, 'ids'),
  format: z.enum(['md', 'html']).default('md'),
})
export const ImpactQuery = z.object({ as_of: z.string().max(40).optional() })

const issues = (e: z.ZodError) => e.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ')

export function itemsRoutes(db: Db) {
  const store = ItemStore.for(db)
  return async function plugin(app: FastifyInstance) {
    const bad = (reply: FastifyReply, msg: string) => reply.code(400).send({ error: msg })
    const validId = (id: string) => ITEM_ID.test(id)

    app.get('/api/items', async (req, reply) => {
      const q = ItemListQuery.safeParse(req.query)
      if (!q.success) return bad(reply, issues(q.error))
      const items = await store.list(q.data, scopeOf(req))
      return { items }
    })

    // What the consultation room's forms and filters name: the units a decision may name (the routing
    // list's unit types and both platforms), the unified categories and the city's counties.
    app.get('/api/items/units', async () => {
      const ref = Reference.load()
      return {
        units: Object.entries(unitNames()).map(([code, name]) => ({ code, name })),
        categories: ref.categories.categories.map((c) => ({ code: c.code, name: c.name })),
        counties: ref.regions.counties.map((c) => ({ code: c.code, name: c.name })),
      }
    })

    app.get('/api/items/agenda', async (req, reply) => {
      const q = AgendaQuery.safeParse(req.query)
      if (!q.success) return bad(reply, issues(q.error))
      const scope = scopeOf(req)
      // Without ids: the items under review (the meeting's queue).
      const items = q.data.ids.length ? await store.getMany(q.data.ids, scope) : await store.list({ status: ['under_review'], limit: 200 }, scope)
      const missing = q.data.ids.filter((id) => !items.some((it) => it.id === id))
      if (missing.length) return reply.code(404).send({ error: `no item ${missing.join(', ')}` })
      const meta = { date: isoShanghai(Date.now()).slice(0, 10), generatedBy: req.principal?.name || req.principal?.id || '' }
      if (q.data.format === 'html') return reply.type('text/html; charset=utf-8').send(agendaHtml(items, meta))
      return reply.type('text/markdown; charset=utf-8').send(agendaMarkdown(items, meta))
    })

    app.get('/api/items/:id', async (req, reply) => {
      const { id } = req.params as { id: string }
      if (!validId(id)) return reply.code(404).send({ error: `no item ${id.slice(0, 40)}` })
      const item = await store.get(id, scopeOf(req))
      if (!item) return reply.code(404).send({ error: `no item ${id}` })
      return { item, history: await store.history(id) }
    })

    app.get('/api/items/:id/impact', async (req, reply) => {
      const { id } = req.params as { id: string }
      const q = ImpactQuery.safeParse(req.query)
      if (!q.success) return bad(reply, issues(q.error))
      if (!validId(id)) return reply.code(404).send({ error: `no item ${id.slice(0, 40)}` })
      const scope = scopeOf(req)
      const item = await store.get(id, scope)
      if (!item) return reply.code(404).send({ error: `no item ${id}` })
      const impact = await itemImpact(db, item, parseAsOf(q.data.as_of), scope)
      if (!impact) return reply.code(404).send({ error: `item ${id} has no decision yet: nothing to compare` })
      return impact
    })

    app.post('/api/items/:id/transition', async (req, reply) => {
      const { id } = req.params as { id: string }
      const b = ItemTransition.safeParse(req.body)
      if (!b.success) return bad(reply, `body { action, expected_version, reason?, decision? }: ${issues(b.error)}`)
      const p = req.principal
      const who = { actor: p?.id ?? '', role: p?.role ?? '' }
      const audit = (outcome: 'ok' | 'failed', detail: string) =>
        app.audit.record({ ...who, address: req.ip, action: `item.${b.data.action}`, target: id.slice(0, 64), outcome, detail })
      if (!validId(id)) {
        await audit('failed', 'no such item')
        return reply.code(404).send({ error: `no item ${id.slice(0, 40)}` })
      }
      try {
        const item = await store.transition(id, { ...b.data, decision: b.data.decision as never, ...who }, scopeOf(req))
        await audit('ok', `version ${item.version}, ${item.status}${item.status_reason ? `: ${item.status_reason}` : ''}`)
        return { item }
      } catch (e) {
        if (!(e instanceof ItemError)) throw e
        await audit('failed', e.message)
        return reply.code(e.statusCode).send({ error: e.message, ...(e.current ? { current: e.current } : {}) })
      }
    })
  }
}
