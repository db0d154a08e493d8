// People sign in with a session cookie (httpOnly, set by POST /api/auth/sign-in or by the demo admin's
// one-time link #signin=CODE); the dashboard never sees the cookie, only the name and the session's CSRF
// token, which state changes send as x-csrf-token. A wall screen is opened once with #token=lk_… (a
// `wall` token): it is exchanged for an httpOnly cookie and removed from the address bar, so the page
// never keeps it. Demo mode (AUTH_OPEN_ROLE) needs no sign-in.

export interface SignedIn { name: string; role: string; csrf: string | null }
/** Who the browser is: a signed-in person, open access (demo mode or a wall screen), or nobody (sign in). */
export type Who = { kind: 'user'; user: SignedIn } | { kind: 'open' } | { kind: 'none'; error?: string }

async function errorOf(res: Response): Promise<string> {
  const body = (await res.json().catch(() => null)) as { error?: unknown } | null
  return typeof body?.error === 'string' ? body.error : `HTTP ${res.status}`
}

/** GET /api/auth/me without a bearer token. Anything but 401 shows the dashboard (which reports errors itself). */
export async function whoAmI(): Promise<Who> {
  try {
    const res = await fetch('/api/auth/me', { cache: 'no-store', headers: { accept: 'application/json' } })
    if (res.status === 401) return { kind: 'none' }
    if (!res.ok) return { kind: 'open' }
    const me = (await res.json()) as { id?: string; name?: string; role?: string; csrf?: string | null }
    if (me.id === 'open' || !me.csrf) return { kind: 'open' }
    return { kind: 'user', user: { name: me.name ?? '', role: me.role ?? '', csrf: me.csrf } }
  } catch {
    return { kind: 'open' }
  }
}

/** The user on success; the API's error message, shown as is, otherwise. */
export async function signIn(username: string, password: string): Promise<{ ok: true; user: SignedIn } | { ok: false; error: string }> {
  try {
    const res = await fetch('/api/auth/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username, password }),
    })
    if (!res.ok) return { ok: false, error: await errorOf(res) }
    const b = (await res.json()) as { username: string; role: string; csrf: string }
    return { ok: true, user: { name: b.username, role: b.role, csrf: b.csrf } }
  } catch (e) {
    return { ok: false, error: `无法连接服务器 / cannot reach the server (${e instanceof Error ? e.message : String(e)})` }
  }
}

/** Ends the session on the server (the cookie is cleared by its answer). Errors are ignored: the view signs out anyway. */
export async function signOut(csrf: string | null): Promise<void> {
  try {
    await fetch('/api/auth/sign-out', { method: 'POST', headers: csrf ? { 'x-csrf-token': csrf } : {} })
  } catch {
    /* offline: the server forgets the session when idle */
  }
}

const OLD_TOKEN_KEY = 'linkage.token' // where earlier versions kept a wall token: dropped

/** Reads and removes #token= / #signin= from the address bar and turns it into a cookie; null when neither is there. */
export async function enrollFromUrl(): Promise<Who | null> {
  try { localStorage.removeItem(OLD_TOKEN_KEY) } catch { /* no storage */ }
  const token = /(?:^#|&)token=([^&]+)/.exec(location.hash)?.[1]
  const code = /(?:^#|&)signin=([^&]+)/.exec(location.hash)?.[1]
  if (!token && !code) return null
  // The credential leaves the address bar (and the history) before anything else happens.
  history.replaceState(null, '', location.pathname + location.search)
  try {
    const res = token
      ? await fetch('/api/auth/wall', { method: 'POST', headers: { authorization: `Bearer ${decodeURIComponent(token)}`, accept: 'application/json' } })
      : await fetch('/api/auth/link', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ code: decodeURIComponent(code!) }) })
    if (!res.ok) return { kind: 'none', error: await errorOf(res) }
    if (token) return { kind: 'open' }
    const b = (await res.json()) as { username: string; role: string; csrf: string }
    return { kind: 'user', user: { name: b.username, role: b.role, csrf: b.csrf } }
  } catch (e) {
    return { kind: 'none', error: `无法连接服务器 / cannot reach the server (${e instanceof Error ? e.message : String(e)})` }
  }
}

/** A JSON request as the signed-in person (CSRF header on state changes); throws the API's error message. */
export async function api<T>(user: SignedIn, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (method !== 'GET' && user.csrf) headers['x-csrf-token'] = user.csrf
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' })
  if (!res.ok) throw new Error(await errorOf(res))
  return (await res.json()) as T
}
