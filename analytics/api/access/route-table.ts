// Who may call what: every route of the server with the roles allowed. The server refuses to start when
// a route is missing here (analytics/api/access/guard.ts), and test/access-matrix.test.ts walks this
// same table with every role, so the table, the server and the test cannot drift apart.

export const ROLES = ['admin', 'leader', 'member', 'evaluator', 'wall', 'source'] as const
export type Role = (typeof ROLES)[number]

/**
 * - `public`: no credentials needed (health, the static dashboard files).
 * - `scope`: how the data is limited — `region` (rows of the caller's counties only), `city` (data that
 *   exists for the whole city only: callers scoped to some counties are refused with 403), `sender`
 *   (a source sees what it sent itself; admin everything), `none` (no regional data).
 * - `example`: a concrete URL the matrix test calls (for paths with parameters).
 */
export interface RouteRule {
  method: 'GET' | 'POST' | 'DELETE'
  path: string
  allow: 'public' | readonly Role[]
  scope: 'region' | 'city' | 'sender' | 'none'
  example?: string
  /** Public to the guard because the route checks a credential of its own (a wall token, a link code). */
  selfChecked?: true
}

const READERS = ['admin', 'leader', 'member', 'evaluator', 'wall'] as const

export const ROUTES: readonly RouteRule[] = [
  { method: 'GET', path: '/healthz', allow: 'public', scope: 'none' },
  { method: 'GET', path: '/readyz', allow: 'public', scope: 'none' },
  // The API's description (OpenAPI): no data in it.
  { method: 'GET', path: '/api/docs', allow: 'public', scope: 'none' },
  // The built dashboard (HTML, JS, CSS, map data): public files; the data they show is not.
  { method: 'GET', path: '/', allow: 'public', scope: 'none' },
  { method: 'GET', path: '/*', allow: 'public', scope: 'none', example: '/geo/zhengzhou.json' },

  { method: 'POST', path: '/api/ingest/records', allow: ['admin', 'source'], scope: 'region' },
  { method: 'POST', path: '/api/ingest/events', allow: ['admin', 'source'], scope: 'region' },
  // Quarantined lines carry no region: admin sees all, a source only the lines it sent.
  { method: 'GET', path: '/api/ingest/quarantine', allow: ['admin', 'source'], scope: 'sender' },

  { method: 'GET', path: '/api/metrics/overview', allow: READERS, scope: 'region' },
  { method: 'GET', path: '/api/metrics/by-region', allow: READERS, scope: 'region' },
  { method: 'GET', path: '/api/metrics/series', allow: READERS, scope: 'region' },
  { method: 'GET', path: '/api/metrics/breakdown', allow: READERS, scope: 'region', example: '/api/metrics/breakdown?dim=county' },
  { method: 'GET', path: '/api/metrics/definitions', allow: READERS, scope: 'none' },
  { method: 'GET', path: '/api/metrics/dictionary.md', allow: READERS, scope: 'none' },
  // bounce_daily is computed per day and category for the whole city: no county breakdown to scope by.
  { method: 'GET', path: '/api/metrics/bounces', allow: READERS, scope: 'city' },
  { method: 'GET', path: '/api/hotspots', allow: READERS, scope: 'region' },
  // Record text (masked titles) reaches admin and member only.
  { method: 'GET', path: '/api/trace/:platform/:id', allow: ['admin', 'member'], scope: 'region', example: '/api/trace/12345/MATRIX-1' },
  { method: 'GET', path: '/api/export/records', allow: ['admin', 'member', 'evaluator'], scope: 'region' },

  // Consultation items (会商事项): the queue is read by people and by the wall (its ticker of titles);
  // an item's evidence, history (who did what), before/after chart and the meeting agenda by people;
  // changes by admin and member.
  { method: 'GET', path: '/api/items', allow: ['admin', 'leader', 'member', 'wall'], scope: 'region' },
  { method: 'GET', path: '/api/items/agenda', allow: ['admin', 'leader', 'member'], scope: 'region' },
  { method: 'GET', path: '/api/items/units', allow: ['admin', 'leader', 'member'], scope: 'none' },
  { method: 'GET', path: '/api/items/:id', allow: ['admin', 'leader', 'member'], scope: 'region', example: '/api/items/it_00000000000000000000' },
  { method: 'GET', path: '/api/items/:id/impact', allow: ['admin', 'leader', 'member'], scope: 'region', example: '/api/items/it_00000000000000000000/impact' },
  { method: 'POST', path: '/api/items/:id/transition', allow: ['admin', 'member'], scope: 'region', example: '/api/items/it_00000000000000000000/transition' },

  // People sign in with a password and get a session cookie; sign-out revokes it.
  { method: 'POST', path: '/api/auth/sign-in', allow: 'public', scope: 'none' },
  { method: 'POST', path: '/api/auth/sign-out', allow: 'public', scope: 'none' },
  // The demo admin's one-time link, and a wall token turned into a cookie: each checks its own credential.
  { method: 'POST', path: '/api/auth/link', allow: 'public', scope: 'none', selfChecked: true },
  { method: 'POST', path: '/api/auth/wall', allow: 'public', scope: 'none', selfChecked: true },
  { method: 'GET', path: '/api/auth/me', allow: ROLES, scope: 'none' },
  { method: 'GET', path: '/api/admin/users', allow: ['admin'], scope: 'none' },
  { method: 'POST', path: '/api/admin/users', allow: ['admin'], scope: 'none' },
  { method: 'POST', path: '/api/admin/users/:username/disable', allow: ['admin'], scope: 'none', example: '/api/admin/users/nobody-here/disable' },
  { method: 'POST', path: '/api/admin/users/:username/password', allow: ['admin'], scope: 'none', example: '/api/admin/users/nobody-here/password' },
  { method: 'GET', path: '/api/admin/tokens', allow: ['admin'], scope: 'none' },
  { method: 'POST', path: '/api/admin/tokens', allow: ['admin'], scope: 'none' },
  { method: 'GET', path: '/api/audit', allow: ['admin'], scope: 'none' },
  { method: 'DELETE', path: '/api/admin/tokens/:id', allow: ['admin'], scope: 'none', example: '/api/admin/tokens/0000000000000000' },
]

export function findRule(method: string, path: string): RouteRule | undefined {
  // HEAD is answered like GET (Fastify adds a HEAD route for every GET route).
  const m = method === 'HEAD' ? 'GET' : method
  return ROUTES.find((r) => r.method === m && r.path === path)
}
