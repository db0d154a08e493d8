// Request checks every route gets, before any route runs:
// - Host must be one of the configured names: a loopback server is otherwise reachable from any web
//   page through DNS rebinding (evil.example resolving to 127.0.0.1 sends `Host: evil.example`).
// - State changes (POST/PUT/PATCH/DELETE) from another site are refused: a browser page elsewhere can
//   send a "simple" cross-site POST (text/plain, no preflight) with the visitor's network position.
//   Requests without Origin (curl, the importer, sending systems) are not from a browser page and pass.
// Plus security headers (@fastify/helmet) with a Content-Security-Policy the dashboard passes.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import helmet from '@fastify/helmet'

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1']

/** The names a request's Host may carry: loopback names, the HOST setting (unless a wildcard address) and ALLOWED_HOSTS. '*' turns the check off. */
export function allowedHostNames(host: string, allowedHosts: string | undefined): Set<string> | '*' {
  const extra = (allowedHosts ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean)
  if (extra.includes('*')) return '*'
  const names = new Set([...LOOPBACK_NAMES, ...extra.map(stripBrackets)])
  // 0.0.0.0 and :: are listen addresses, not names a browser should use (Chrome maps 0.0.0.0 to the local machine).
  if (host && host !== '0.0.0.0' && host !== '::') names.add(stripBrackets(host.toLowerCase()))
  return names
}

const stripBrackets = (h: string) => (h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h)

/** The host name of a Host header without its port ("[::1]:8080" → "::1"), or null when malformed. */
export function hostName(header: string | undefined): string | null {
  if (!header) return null
  const h = header.trim().toLowerCase()
  const m = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(h) ?? /^([a-z0-9.-]+)(?::\d{1,5})?$/.exec(h)
  return m ? m[1] : null
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** Null when the request is same-origin or not from a browser page; else why it is refused. */
export function crossSiteReason(req: FastifyRequest): string | null {
  if (!STATE_CHANGING.has(req.method)) return null
  if (String(req.headers['sec-fetch-site'] ?? '').toLowerCase() === 'cross-site') return 'cross-site request (Sec-Fetch-Site: cross-site)'
  const origin = req.headers.origin
  if (origin === undefined) return null
  let originHost: string
  try {
    const u = new URL(origin)
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http')
    originHost = u.host.toLowerCase()
  } catch {
    return `Origin ${JSON.stringify(String(origin).slice(0, 100))} is not this server`
  }
  return originHost === String(req.headers.host ?? '').toLowerCase() ? null : `Origin ${origin.slice(0, 100)} is not this server`
}

export const CONTENT_SECURITY_POLICY = {
  // The dashboard is one module script and one stylesheet from this server; data from /api; the map
  // GeoJSON from /geo. Inline style *attributes* only (Svelte's and the map tooltip's HTML set them;
  // test/hardening.test.ts sees each one as a violation without this); no inline <style> elements.
  // data: images: the page's empty favicon (data:,) and ECharts' exported images. Fonts: the self-hosted
  // Noto Sans SC subsets under /assets, nothing from elsewhere (no data: fonts either).
  // No upgrade-insecure-requests: wall displays reach the server over plain HTTP on a trusted network.
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    styleSrcAttr: ["'unsafe-inline'"],
    imgSrc: ["'self'", 'data:', 'blob:'],
    fontSrc: ["'self'"],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    scriptSrcAttr: ["'none'"],
  },
}

export async function registerHardening(app: FastifyInstance, opts: { host: string; allowedHosts?: string }) {
  // Headers first, so refused requests carry them too.
  // HSTS only matters (and is only honoured) over TLS; CORS stays closed by not registering @fastify/cors
  // (no Access-Control-Allow-Origin is ever sent, so other sites cannot read answers).
  await app.register(helmet, { contentSecurityPolicy: CONTENT_SECURITY_POLICY, frameguard: { action: 'deny' }, global: true })
  const allowed = allowedHostNames(opts.host, opts.allowedHosts)
  app.addHook('onRequest', async (req, reply) => {
    if (allowed !== '*') {
      const name = hostName(req.headers.host)
      if (name === null || !allowed.has(name))
        return reply.code(421).send({ error: `Host ${JSON.stringify(String(req.headers.host ?? '').slice(0, 100))} is not served here: add it to ALLOWED_HOSTS` })
    }
    const cross = crossSiteReason(req)
    if (cross) return reply.code(403).send({ error: `refused: ${cross}; state changes are accepted only from this server's own pages or from clients that send no Origin` })
  })
}

/**
 * What a client is told about an error: plain messages for Fastify's own 4xx (content type, body size,
 * malformed JSON or gzip), our own 4xx messages as written, nothing of a 5xx. A 4xx message that still
 * looks like it carries a file path, a stack frame or SQL is replaced by a generic one.
 */
export function publicError(err: Error & { statusCode?: number; code?: string }, maxBodyBytes: number): { code: number; message: string } {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return { code: 415, message: 'unsupported content type' }
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return { code: 413, message: `request body is larger than the limit (${Math.round(maxBodyBytes / 1024 / 1024)} MB): split it` }
    case 'FST_ERR_CTP_INVALID_JSON_BODY': case 'FST_ERR_CTP_EMPTY_JSON_BODY': return { code: 400, message: 'body is not valid JSON' }
    case 'Z_DATA_ERROR': case 'Z_BUF_ERROR': return { code: 400, message: 'body is not valid gzip (Content-Encoding: gzip)' }
  }
  if (err instanceof SyntaxError && err.statusCode === 400) return { code: 400, message: 'body is not valid JSON' }
  const code = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500
  if (code >= 500) return { code, message: 'internal error' }
  const leaky = /(^|[\s'"(=])\/[\w.-]+\/|\bat [\w.<>]+ \(|\b(SELECT|INSERT|FROM|WHERE)\b|\.(ts|js|mjs|sql):\d/.test(err.message)
  return { code, message: leaky || !err.message ? 'bad request' : err.message.slice(0, 500) }
}
