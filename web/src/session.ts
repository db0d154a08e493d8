// People sign in with a session cookie (httpOnly, set by POST /api/auth/sign-in); the dashboard never
// sees the cookie, only the name and the session's CSRF token, which sign-out sends as x-csrf-token.
// Wall screens (a bearer token from #token=) and demo mode (AUTH_OPEN_ROLE) need no sign-in.

export interface SignedIn { name: string; role: string; csrf: string | null }
/** Who the browser is: a signed-in person, open access (demo mode), or nobody (sign in). */
export type Who = { kind: 'user'; user: SignedIn } | { kind: 'open' } | { kind: 'none' }

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
