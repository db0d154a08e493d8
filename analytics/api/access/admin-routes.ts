// /api/admin/tokens: create, list and revoke bearer tokens (admin only; the CLI `npm run admin` uses these
// when a server is running).
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { ROLES } from './route-table'
import type { TokenStore } from './tokens'

export const NewToken = z.object({
  role: z.enum(ROLES),
  regions: z.array(z.string().max(12)).max(50).optional(),
  platforms: z.array(z.string().max(8)).max(2).optional(),
  name: z.string().max(200).optional(),
  expires_days: z.number().positive().max(3650).optional(),
})

export const AuditQuery = z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(500), action: z.string().max(64).optional() })

export function adminRoutes(tokens: TokenStore) {
  return async function plugin(app: FastifyInstance) {
    app.get('/api/admin/tokens', async () => ({ tokens: await tokens.list() }))
    app.post('/api/admin/tokens', async (req, reply) => {
      const b = NewToken.safeParse(req.body)
      if (!b.success) return reply.code(400).send({ error: b.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') })
      try {
        const { token, info } = await tokens.create({ role: b.data.role, regions: b.data.regions, platforms: b.data.platforms, name: b.data.name, expiresDays: b.data.expires_days })
        req.log.info({ token_id: info.id, role: info.role, by: req.principal?.id }, 'token created')
        await app.audit.record({ actor: req.principal?.id ?? '', role: req.principal?.role ?? '', address: req.ip, action: 'token.create', target: info.id, outcome: 'ok', detail: `role ${info.role}, regions ${info.regions.join(',') || 'city'}` })
        return reply.code(201).send({ token, ...info })
      } catch (e) {
        return reply.code(400).send({ error: (e as Error).message })
      }
    })
    // The audit trail, newest first. Read-only: nothing in the API writes to it but the audited actions.
    app.get('/api/audit', async (req, reply) => {
      const q = AuditQuery.safeParse(req.query)
      if (!q.success) return reply.code(400).send({ error: 'limit: 1..10000; action: an action name' })
      return { rows: await app.audit.list(q.data) }
    })
    app.delete('/api/admin/tokens/:id', async (req, reply) => {
      const id = (req.params as { id: string }).id
      const ok = await tokens.revoke(id)
      await app.audit.record({ actor: req.principal?.id ?? '', role: req.principal?.role ?? '', address: req.ip, action: 'token.revoke', target: id, outcome: ok ? 'ok' : 'failed', detail: ok ? '' : 'no such token' })
      if (!ok) return reply.code(404).send({ error: `no token ${id}` })
      req.log.info({ token_id: id, by: req.principal?.id }, 'token revoked')
      return { revoked: id }
    })
  }
}
