// POST /api/ingest/records and /api/ingest/events: NDJSON (application/x-ndjson) or a JSON array.
import type { FastifyInstance } from 'fastify'
import { createGunzip } from 'node:zlib'
import type { IngestService, IngestKind } from './service'
import { WriterBusyError, WriterClosedError } from './batch-writer'

export function ingestRoutes(service: IngestService) {
  return async function plugin(app: FastifyInstance) {
    // Bodies are split and parsed line by line by the service, so one bad line cannot sink the request.
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body))
    // Sources may compress large batches; the body limit then applies to the decompressed text.
    app.addHook('preParsing', async (req, _reply, payload) => {
      const enc = String(req.headers['content-encoding'] ?? '').toLowerCase()
      if (enc === 'gzip') {
        delete req.headers['content-length']
        return payload.pipe(createGunzip())
      }
      return payload
    })

    for (const kind of ['records', 'events'] as IngestKind[]) {
      app.post(`/api/ingest/${kind}`, async (req, reply) => {
        const body = typeof req.body === 'string' ? req.body : ''
        if (body.trim() === '') return reply.code(400).send({ error: 'empty body: send NDJSON (one JSON object per line) or a JSON array' })
        try {
          const res = await service.ingest(kind, body, req.id)
          if (res.rejected > 0) req.log.info({ kind, accepted: res.accepted, rejected: res.rejected }, 'ingest with rejections')
          return reply.code(res.accepted === 0 && res.rejected > 0 ? 422 : 200).send(res)
        } catch (e) {
          // Storage refused the batch: nothing of this request is acknowledged, the source must resend it.
          const busy = e instanceof WriterBusyError || e instanceof WriterClosedError
          req.log.error({ kind, err: (e as Error).message }, 'ingest not stored')
          return reply.code(503).header('retry-after', busy ? '1' : '5').send({ error: `not stored, resend: ${(e as Error).message}` })
        }
      })
    }
  }
}
