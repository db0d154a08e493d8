// A wall screen is opened once with the dashboard URL and `#token=lk_…` (a `wall` token): the token is
// kept in this browser's localStorage, removed from the address bar, and sent as a bearer token. The
// fragment never reaches the server or its logs. Without one the server's AUTH_OPEN_ROLE applies.
const KEY = 'linkage.token'

export function bearerToken(): string | null {
  try {
    const m = /(?:^#|&)token=([^&]+)/.exec(location.hash)
    if (m) {
      localStorage.setItem(KEY, decodeURIComponent(m[1]))
      history.replaceState(null, '', location.pathname + location.search)
    }
    return localStorage.getItem(KEY)
  } catch {
    return null // no storage (private mode, tests outside a browser)
  }
}
