// The two cookies the server sets, through @fastify/cookie, both signed (HMAC with a key derived from the
// deployment's secret, so api replicas sharing the secret accept each other's cookies), httpOnly,
// SameSite=Strict, Secure over TLS:
// - linkage_session: a person's session id (sign-in, or the demo admin's one-time link);
// - linkage_wall: a wall screen's `wall` token, set once from the URL the screen was opened with, so
//   nobody types at a wall and the token is never readable by the page's scripts.
import type { FastifyReply, FastifyRequest } from 'fastify'

export const SESSION_COOKIE = 'linkage_session'
export const WALL_COOKIE = 'linkage_wall'

/** A signed cookie's value; `tampered` when present but its signature does not match. */
export type CookieValue = { value: string } | { tampered: true } | null

export function readSigned(req: FastifyRequest, name: string): CookieValue {
  const raw = req.cookies?.[name]
  if (raw === undefined || raw === '') return null
  const u = req.unsignCookie(raw)
  return u.valid && u.value !== null ? { value: u.value } : { tampered: true }
}

export function setSigned(req: FastifyRequest, reply: FastifyReply, name: string, value: string, maxAgeSec?: number): void {
  reply.setCookie(name, value, {
    signed: true, httpOnly: true, sameSite: 'strict', path: '/',
    secure: req.protocol === 'https',
    ...(maxAgeSec !== undefined ? { maxAge: maxAgeSec } : {}),
  })
}

export function clear(req: FastifyRequest, reply: FastifyReply, name: string): void {
  reply.clearCookie(name, { path: '/', httpOnly: true, sameSite: 'strict', secure: req.protocol === 'https' })
}
