// POST /api/ingest/records and /api/ingest/events: NDJSON (application/x-ndjson) or a JSON array.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { createGunzip } from 'node:zlib'
import type { IngestService, IngestKind } from './service'
import { WriterBusyError, WriterClosedError, StorageError } from './batch-writer'
import { TooManyLinesError } from './parse'
import type { SendScope } from './validate'

/** The documented body types (parameters such as `; charset=utf-8` allowed). CSV is not supported yet. */
export const INGEST_CONTENT_TYPES = ['application/x-ndjson', 'application/json']

/**
 * `sendScopeOf` tells what the caller may send (platforms, counties); the API's access layer provides
 * it, so ingest does not depend on how callers are authenticated.
 */
export function ingestRoutes(service: IngestService, sendScopeOf: (req: FastifyRequest) => SendScope) {
  return async function plugin(app: FastifyInstance) {
    // Only the documented types, checked before the body is read: a browser page elsewhere can POST
    // text/plain or a form without a preflight, so "anything goes" made cross-site ingest possible.
    app.addHook('onRequest', async (req, reply) => {
      const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
      if (!INGEST_CONTENT_TYPES.includes(type))
        return reply.code(415).send({
          error: `unsupported content type ${type ? JSON.stringify(type.slice(0, 100)) : '(none)'}: send ${INGEST_CONTENT_TYPES.join(' or ')} (text/csv is not supported yet)`,
          accepted_content_types: INGEST_CONTENT_TYPES,
          request_id: req.id,
        })
    })
    // Bodies are kept as bytes and split, decoded (strict UTF-8) and parsed line by line by the
    // service, so one bad line cannot sink the request.
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body))
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
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
        if (isBlank(body)) return reply.code(400).send({ error: 'empty body: send NDJSON (one JSON object per line) or a JSON array' })
        try {
          const res = await service.ingest(kind, body, req.id, sendScopeOf(req))
          if (res.rejected > 0) req.log.info({ kind, accepted: res.accepted, rejected: res.rejected }, 'ingest with rejections')
          return reply.code(res.accepted === 0 && res.rejected > 0 ? 422 : 200).send(res)
        } catch (e) {
          if (e instanceof TooManyLinesError) return reply.code(413).send({ error: e.message, request_id: req.id })
          // Storage refused the batch. Some of this request's rows may have been stored before it
          // failed; resending the whole request is safe because re-sends are never doubled.
          const busy = e instanceof WriterBusyError || e instanceof WriterClosedError
          req.log.error({ kind, err: e instanceof StorageError ? e.detail : (e as Error).message }, 'ingest not stored')
          return reply.code(503).header('retry-after', busy ? '1' : '5').send({
            error: busy
              ? 'ingest is busy: resend this request after Retry-After seconds (re-sends are never doubled)'
              : 'storage is unavailable: resend this whole request after Retry-After seconds (re-sends are never doubled)',
            request_id: req.id,
          })
        }
      })
    }
  }
}

function isBlank(b: Buffer): boolean {
  for (const c of b) if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false
  return true
}
