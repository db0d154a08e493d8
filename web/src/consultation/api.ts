// The consultation room's calls to the items API (GET as the signed-in person; POST with the session's
// CSRF token). Answers are validated with the shared schemas (model/api.ts) where they exist.
import { z } from 'zod'
import { ConsultationItem, ItemList, Trace, ItemDecision } from '../../../model/api'
import type { SignedIn } from '../session'

export interface HistoryRow { item_id: string; version: number; at: string; actor: string; role: string; action: string; from_status: string; to_status: string; reason: string; detail: string }
export interface Named { code: string; name: string }
export interface RefLists { units: Named[]; categories: Named[]; counties: Named[] }
export interface ImpactSide { from: string; to: string; series: { day: string; records: number; transfers: number }[]; records: number; transfers: number; records_per_day: number; transfers_per_day: number }
export interface Impact { item_id: string; start_date: string; days: number; as_of: string; before: ImpactSide; after: ImpactSide; change: { records: number | null; transfers: number | null }; note: string }

/** An API answer that is not 2xx: status, message and (409) the item's current version and status. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly current?: { version: number; status: string }) {
    super(message)
  }
}

async function call<T>(user: SignedIn, method: 'GET' | 'POST', path: string, body?: unknown, schema?: z.ZodType<T>): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (method !== 'GET' && user.csrf) headers['x-csrf-token'] = user.csrf
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' })
  const json = (await res.json().catch(() => null)) as { error?: string; current?: { version: number; status: string } } | null
  if (!res.ok) throw new ApiError(res.status, typeof json?.error === 'string' ? json.error : `HTTP ${res.status}`, json?.current)
  if (!schema) return json as T
  const p = schema.safeParse(json)
  if (!p.success) throw new ApiError(0, `数据格式无效 invalid answer (${p.error.issues[0]?.path.join('.')}: ${p.error.issues[0]?.message})`)
  return p.data
}

export interface Filters { kind: string; severity: string; status: string; county: string; category: string }

export const listItems = (user: SignedIn, f: Filters, order: 'severity' | 'recent' = 'severity') => {
  const q = new URLSearchParams({ limit: '500', order })
  for (const [k, v] of Object.entries(f)) if (v) q.set(k, v)
  return call(user, 'GET', `/api/items?${q}`, undefined, ItemList)
}
export const getItem = (user: SignedIn, id: string) =>
  call(user, 'GET', `/api/items/${encodeURIComponent(id)}`, undefined, z.object({ item: ConsultationItem, history: z.array(z.custom<HistoryRow>()) }))
export const getImpact = (user: SignedIn, id: string) => call<Impact>(user, 'GET', `/api/items/${encodeURIComponent(id)}/impact`)
export const getRefLists = (user: SignedIn) => call<RefLists>(user, 'GET', '/api/items/units')
export const getTrace = (user: SignedIn, platform: string, id: string) =>
  call(user, 'GET', `/api/trace/${encodeURIComponent(platform)}/${encodeURIComponent(id)}`, undefined, Trace)

export type Action = 'review' | 'decide' | 'dismiss' | 'close' | 'reopen'
export const transition = (user: SignedIn, id: string, body: { action: Action; expected_version: number; reason?: string; decision?: ItemDecision }) =>
  call(user, 'POST', `/api/items/${encodeURIComponent(id)}/transition`, body, z.object({ item: ConsultationItem }))

export const agendaUrl = (ids: string[], format: 'md' | 'html') => `/api/items/agenda?ids=${ids.map(encodeURIComponent).join(',')}&format=${format}`

/** Downloads the Markdown agenda (with the session cookie) as a file. */
export async function downloadAgenda(ids: string[]): Promise<void> {
  const res = await fetch(agendaUrl(ids, 'md'), { cache: 'no-store' })
  if (!res.ok) {
    const b = (await res.json().catch(() => null)) as { error?: string } | null
    throw new ApiError(res.status, b?.error ?? `HTTP ${res.status}`)
  }
  const blob = new Blob([await res.text()], { type: 'text/markdown;charset=utf-8' })
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  a.download = `会商议程-${new Date().toISOString().slice(0, 10)}.md`
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(a.href), 1000)
}
