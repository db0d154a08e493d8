// POST /api/ingest/records and /api/ingest/events: NDJSON (application/x-ndjson) or a JSON array;
// with ?mapping=NAME also a source's own export (text/csv, or NDJSON of its own keys) read through
// that mapping (ingest/mapping/). ?dry_run=true answers what would be accepted without writing.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { createGunzip } from 'node:zlib'
import type { IngestService, IngestKind } from './service'
import { WriterBusyError, WriterClosedError, StorageError } from './batch-writer'
import { TooManyLinesError, looksLikeCsv } from './parse'
import { MappingError } from './mapping/schema'
import type { SendScope } from './validate'

/** The documented body types (parameters such as `; charset=utf-8` allowed). */
export const INGEST_CONTENT_TYPES = ['application/x-ndjson', 'application/json']
/** Body types taken with ?mapping=NAME (a source's own columns). */
export const MAPPED_CONTENT_TYPES = ['text/csv', 'application/x-ndjson']

/** The query an ingest route takes (described in the OpenAPI document). */
export const IngestQuery = z.object({
  mapping: z.string().max(64).optional().describe('name of a mapping in INGEST_MAPPINGS_DIR: the body is a source export (text/csv, or NDJSON of its own keys) read through it'),
  dry_run: z.enum(['true', 'false', '1', '0']).optional().describe('answer what would be accepted and rejected, writing nothing'),
})

const queryOf = (req: FastifyRequest) => (req.query ?? {}) as Record<string, unknown>
const mappingName = (req: FastifyRequest): string | null => {
  const m = queryOf(req).mapping
  return typeof m === 'string' && m !== '' ? m : null
}
const CSV_HINT = 'send CSV as text/csv with ?mapping=NAME (a mapping of its columns onto the record model), or import the file with npm run import -- FILE --mapping MAPPING.json'

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
      const mapped = mappingName(req) !== null
      if (mapped ? !MAPPED_CONTENT_TYPES.includes(type) : !INGEST_CONTENT_TYPES.includes(type))
        return reply.code(415).send({
          error: mapped
            ? `unsupported content type ${type ? JSON.stringify(type.slice(0, 100)) : '(none)'} with a mapping: send ${MAPPED_CONTENT_TYPES.join(' or ')}`
            : `unsupported content type ${type ? JSON.stringify(type.slice(0, 100)) : '(none)'}: send ${INGEST_CONTENT_TYPES.join(' or ')}${type === 'text/csv' ? `; ${CSV_HINT}` : ''}`,
          accepted_content_types: mapped ? MAPPED_CONTENT_TYPES : INGEST_CONTENT_TYPES,
          with_mapping: MAPPED_CONTENT_TYPES,
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
        const name = mappingName(req)
        if (isBlank(body)) return reply.code(400).send({ error: name ? 'empty body: send the export (CSV with its header line, or NDJSON)' : 'empty body: send NDJSON (one JSON object per line) or a JSON array' })
        const dry = queryOf(req).dry_run
        const dryRun = dry === 'true' || dry === '1'
        // A CSV sent as NDJSON would be "malformed JSON" on every line: one clear answer instead.
        if (!name && looksLikeCsv(body))
          return reply.code(415).send({ error: `the body looks like CSV, not ${INGEST_CONTENT_TYPES.join(' or ')}: ${CSV_HINT}`, request_id: req.id })
        try {
          let res
          if (name) {
            const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
            let mapping
            try { mapping = await service.mappings.get(name) } catch (e) {
              if (e instanceof MappingError) return reply.code(400).send({ error: e.message, request_id: req.id })
              throw e
            }
            try { res = await service.ingestMapped(kind, body, mapping, type === 'text/csv' ? 'csv' : 'ndjson', req.id, sendScopeOf(req), dryRun) } catch (e) {
              if (e instanceof MappingError) return reply.code(400).send({ error: e.message, request_id: req.id })
              throw e
            }
            if (dryRun) return reply.code(200).send({ ...res, dry_run: true })
          } else if (dryRun) return reply.code(200).send({ ...service.check(kind, body, req.id, sendScopeOf(req)), dry_run: true })
          else res = await service.ingest(kind, body, req.id, sendScopeOf(req))
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
