// The API's OpenAPI 3.1 description, generated — never written by hand — from the zod schemas the
// routes validate their input with and the model's response schemas (model/api.ts), with each route's
// roles and data scope from the route table. Served at GET /api/docs. test/openapi.test.ts validates it
// against the OpenAPI 3.1 schema and fails when a route of the route table is not described here.
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { ROUTES, type RouteRule } from './access/route-table'
import { SESSION_COOKIE, WALL_COOKIE } from './access/cookies'
import { BouncesQuery, BreakdownQuery, SeriesQuery, TraceParams, WindowQuery } from './metrics-routes'
import { ExportQuery } from './export-routes'
import { HotspotsQuery } from './hotspots-routes'
import { AgendaQuery, ImpactQuery, ItemListQuery, ItemTransition } from './items-routes'
import { QuarantineQuery } from './quarantine-routes'
import { IngestQuery } from '../../ingest/routes'
import { AuditQuery, NewToken } from './access/admin-routes'
import { LinkCode, NewPassword, NewUser, SignIn } from './access/auth-routes'
import { Bounces, Breakdown, ByRegion, Series, ConsultationItem, Definitions, Hotspots, IngestResponse, ItemList, Overview, Trace } from '../../model/api'
import { EventInput, RecordInput } from '../../model/record'

/** The API's version in its description: the package's. */
export const API_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version

interface RouteDoc {
  summary: string
  query?: z.ZodObject
  params?: z.ZodObject
  body?: z.ZodType
  /** Content type of the body when not JSON (NDJSON ingest). */
  bodyType?: string
  response?: z.ZodType
  /** Content type of the answer when not JSON. */
  responseType?: string
  /** Also answers CSV with ?format=csv. */
  csv?: true
}

const id = (name: string) => z.object({ [name]: z.string().max(200) })

/** What every route does, keyed `METHOD path` as in the route table. */
const DOCS: Record<string, RouteDoc> = {
  'GET /healthz': { summary: '进程存活 Process is up' },
  'GET /api/docs': { summary: '本 API 的 OpenAPI 描述 This description (OpenAPI 3.1)' },
  'GET /readyz': { summary: '依赖状态（存储、Redis、作业）What is up and down: storage, Redis, jobs (503 only when storage is down)' },
  'POST /api/ingest/records': { summary: '接收记录（NDJSON 或 JSON 数组，逐行校验；?mapping= 时为 CSV 导出）Ingest records: NDJSON or a JSON array, each line validated; with ?mapping=NAME a source export (text/csv) read through that mapping', body: RecordInput, bodyType: 'application/x-ndjson', query: IngestQuery, response: IngestResponse },
  'POST /api/ingest/events': { summary: '接收生命周期事件 Ingest lifecycle events', body: EventInput, bodyType: 'application/x-ndjson', query: IngestQuery, response: IngestResponse },
  'GET /api/ingest/quarantine': { summary: '被拒收的行及原因 Rejected lines with their reasons', query: QuarantineQuery },
  'GET /api/metrics/overview': { csv: true, summary: '总览：量、转办、来回转办、三率与趋势 Volumes, transfers, bounces, the rates and the trend', query: WindowQuery, response: Overview },
  'GET /api/metrics/by-region': { csv: true, summary: '按区县（含未知区域）Per district, with the unknown-region row', query: WindowQuery, response: ByRegion },
  'GET /api/metrics/series': { csv: true, summary: '每个指标按时、日、周、月、季、年 Every metric by hour, day, week, month, quarter or year', query: SeriesQuery, response: Series },
  'GET /api/metrics/breakdown': { csv: true, summary: '按维度（区县、街镇、单位、类别、渠道）分组，可筛选 By county, town, unit, category or channel, with filters', query: BreakdownQuery, response: Breakdown },
  'GET /api/metrics/definitions': { summary: '每个指标的定义、版本、SQL 与政策 Every metric: definition, version, SQL and policies', response: Definitions },
  'GET /api/metrics/dictionary.md': { summary: '指标字典（Markdown）The metric dictionary as Markdown', responseType: 'text/markdown' },
  'GET /api/metrics/bounces': { summary: '按日按类别的转办与来回转办 Transfers and bounces per day and category', query: BouncesQuery, response: Bounces },
  'GET /api/hotspots': { summary: '热点问题（文本聚类）Hot issues found from the text', query: HotspotsQuery, response: Hotspots },
  'GET /api/trace/:platform/:id': { summary: '一件事项跨平台的全过程 One matter across both platforms', params: TraceParams, response: Trace },
  'GET /api/export/records': { summary: '指标背后的记录（NDJSON，去除个人信息）The records behind the metrics, NDJSON without personal data', query: ExportQuery, responseType: 'application/x-ndjson' },
  'GET /api/items': { summary: '会商事项队列 The queue of consultation items', query: ItemListQuery, response: ItemList },
  'GET /api/items/agenda': { summary: '会商议程与纪要模板 Agenda and minutes of a meeting', query: AgendaQuery, responseType: 'text/markdown' },
  'GET /api/items/units': { summary: '可选的牵头与协办单位 Units to choose lead and assisting units from' },
  'GET /api/items/:id': { summary: '一个事项：证据、历史 One item with its evidence and history', params: id('id'), response: ConsultationItem },
  'GET /api/items/:id/impact': { summary: '决定前后对比 Before and after a decision', params: id('id'), query: ImpactQuery },
  'POST /api/items/:id/transition': { summary: '审核、决定、驳回、关闭 Review, decide, dismiss, close', params: id('id'), body: ItemTransition, response: ConsultationItem },
  'POST /api/auth/sign-in': { summary: '登录（会话 cookie）Sign in: a session cookie', body: SignIn },
  'POST /api/auth/sign-out': { summary: '退出 Sign out' },
  'POST /api/auth/link': { summary: '一次性登录链接换会话 A one-time link code for a session', body: LinkCode },
  'POST /api/auth/wall': { summary: '大屏令牌换 cookie（Authorization: Bearer）A wall token for a cookie' },
  'GET /api/auth/me': { summary: '当前身份 Who is calling' },
  'GET /api/admin/users': { summary: '用户列表 Users' },
  'POST /api/admin/users': { summary: '新建用户 Create a user', body: NewUser },
  'POST /api/admin/users/:username/disable': { summary: '停用用户 Disable a user', params: id('username') },
  'POST /api/admin/users/:username/password': { summary: '重设密码 Set a password', params: id('username'), body: NewPassword },
  'GET /api/admin/tokens': { summary: '令牌列表 Tokens' },
  'POST /api/admin/tokens': { summary: '新建令牌（只显示一次）Create a token (shown once)', body: NewToken },
  'DELETE /api/admin/tokens/:id': { summary: '吊销令牌 Revoke a token', params: id('id') },
  'GET /api/audit': { summary: '审计日志 Audit log', query: AuditQuery },
}

const ERROR = { type: 'object', properties: { error: { type: 'string' } }, required: ['error'] }

/** Routes that are the dashboard's files, not API. */
const STATIC = new Set(['GET /', 'GET /*'])

export const routeKey = (r: Pick<RouteRule, 'method' | 'path'>) => `${r.method} ${r.path}`

/** Routes of the table without a description (the test requires none). */
export function undocumentedRoutes(): string[] {
  return ROUTES.map(routeKey).filter((k) => !STATIC.has(k) && !DOCS[k])
}

const schemaOf = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
const strip = ({ $schema: _, ...rest }: Record<string, unknown>) => rest
/** An optional field (or one with a default) is not required of the caller. */
const required = (s: z.ZodType) => !s.safeParse(undefined).success

function parameters(where: 'query' | 'path', o?: z.ZodObject) {
  return Object.entries(o?.shape ?? {}).map(([name, s]) => ({
    name, in: where, required: where === 'path' || required(s as z.ZodType), schema: strip(schemaOf(s as z.ZodType)),
    ...((s as z.ZodType).description ? { description: (s as z.ZodType).description } : {}),
  }))
}

export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const r of ROUTES) {
    const key = routeKey(r)
    const d = DOCS[key]
    if (!d) continue
    const path = r.path.replace(/:(\w+)/g, '{$1}')
    const who = r.allow === 'public' ? '公开 public' : `角色 roles: ${r.allow.join(', ')}`
    const op: Record<string, unknown> = {
      operationId: `${r.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(\w)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: d.summary,
      description: `${who}; 数据范围 data scope: ${r.scope}`,
      parameters: [...parameters('path', d.params), ...parameters('query', d.query)],
      responses: {
        200: {
          description: 'OK',
          ...(d.response ? { content: { 'application/json': { schema: strip(schemaOf(d.response)) }, ...(d.csv ? { 'text/csv': { schema: { type: 'string' } } } : {}) } }
            : d.responseType ? { content: { [d.responseType]: { schema: { type: 'string' } } } } : {}),
        },
        400: { description: '参数错误，指明参数 Bad input, naming the parameter', content: { 'application/json': { schema: ERROR } } },
        ...(r.allow === 'public' ? {} : {
          401: { description: '未认证 No valid credential', content: { 'application/json': { schema: ERROR } } },
          403: { description: '角色或地区不允许 Role or region not allowed', content: { 'application/json': { schema: ERROR } } },
        }),
      },
      ...(r.allow === 'public' ? { security: [] } : {}),
    }
    if (d.body) {
      const s = strip(schemaOf(d.body))
      op.requestBody = { required: true, content: d.bodyType
        ? { [d.bodyType]: { schema: s }, 'application/json': { schema: { type: 'array', items: s } } }
        : { 'application/json': { schema: s } } }
    }
    ;(paths[path] ??= {})[r.method.toLowerCase()] = op
  }
  return {
    openapi: '3.1.0',
    info: {
      title: '12345 与 110 联动分析预警 API (12345 × 110 linkage analytics and early warning)',
      version,
      description: 'Generated from the zod schemas the server validates with (analytics/api/openapi.ts). Timestamps carry their offset (+08:00). Metric definitions: GET /api/metrics/definitions.',
    },
    security: [{ bearer: [] }, { session: [] }, { wall: [] }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'API token (POST /api/admin/tokens)' },
        session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'Session of a signed-in person (POST /api/auth/sign-in)' },
        wall: { type: 'apiKey', in: 'cookie', name: WALL_COOKIE, description: 'A wall screen (POST /api/auth/wall)' },
      },
    },
    paths,
  }
}
