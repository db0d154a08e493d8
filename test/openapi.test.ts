// GET /api/docs: the API's OpenAPI 3.1 description, generated from the schemas the routes validate
// with. It validates against the OpenAPI schema, and every route of the route table is in it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Validator } from '@seriousme/openapi-schema-validator'
import { openApiDocument, undocumentedRoutes } from '../analytics/api/openapi'
import { ROUTES } from '../analytics/api/access/route-table'
import { startTestApp, type TestApp } from './helpers/app'

let app: TestApp
beforeAll(async () => { app = await startTestApp({}, { auth: false }) })
afterAll(async () => { await app?.stop() })

describe('OpenAPI description', () => {
  it('describes every route of the route table', () => {
    expect(undocumentedRoutes()).toEqual([])
    const doc = openApiDocument('test') as { paths: Record<string, Record<string, unknown>> }
    for (const r of ROUTES) {
      if (r.path === '/' || r.path === '/*') continue
      expect(doc.paths[r.path.replace(/:(\w+)/g, '{$1}')]?.[r.method.toLowerCase()], `${r.method} ${r.path}`).toBeDefined()
    }
  })

  it('is served without credentials at /api/docs and validates as OpenAPI 3.1', async () => {
    const r = await fetch(`${app.url}/api/docs`)
    expect(r.status).toBe(200)
    const doc = await r.json() as { openapi: string; paths: Record<string, Record<string, { parameters: { name: string; in: string; required: boolean }[]; requestBody?: unknown; responses: Record<string, { content?: Record<string, { schema: { properties?: Record<string, unknown> } }> }> }>> }
    expect(doc.openapi).toBe('3.1.0')
    const v = new Validator()
    const res = await v.validate(doc as never)
    expect(res.valid, JSON.stringify(res.errors, null, 1)?.slice(0, 2000)).toBe(true)
    // Built from the schemas: the window parameters of the overview, its answer's fields, the ingest body.
    const overview = doc.paths['/api/metrics/overview'].get
    expect(overview.parameters.map((p) => p.name).sort()).toEqual(['as_of', 'bucket', 'format', 'from', 'platform', 'to'])
    expect(overview.parameters.every((p) => p.in === 'query' && !p.required)).toBe(true)
    expect(Object.keys(overview.responses['200'].content!['application/json'].schema.properties!)).toEqual(expect.arrayContaining(['metrics', 'trend', 'window']))
    expect(doc.paths['/api/trace/{platform}/{id}'].get.parameters.filter((p) => p.in === 'path').map((p) => p.name)).toEqual(['platform', 'id'])
    expect(JSON.stringify(doc.paths['/api/ingest/records'].post.requestBody)).toContain('source_id')
    expect(overview.responses['401']).toBeDefined()
    // (the validator does refuse a broken description)
    const broken = structuredClone(doc) as unknown as { paths: Record<string, Record<string, { responses: unknown }>> }
    broken.paths['/api/metrics/overview'].get.responses = 'none'
    expect((await new Validator().validate(broken as never)).valid).toBe(false)
    expect(doc.paths['/healthz'].get.responses['401']).toBeUndefined()
  })
})
