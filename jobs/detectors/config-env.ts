// DETECT_CONFIG: detector thresholds from the environment, as JSON overriding the defaults per detector,
// e.g. DETECT_CONFIG='{"surge":{"k":4,"minCount":12},"repeat_caller":{"minCalls":4}}'. Checked once at
// start-up: an unknown detector or field, or a value of another type than the default's, is an error
// naming it (a typo must not silently leave the default in force).
import { DEFAULT_DETECTORS_CONFIG, type DetectorsConfig } from './index'

export type DetectorOverrides = { [K in keyof DetectorsConfig]?: Partial<DetectorsConfig[K]> }

const typeOf = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v)

/** The overrides in `json`, or a list of problems. */
export function parseDetectConfig(json: string): { ok: true; value: DetectorOverrides } | { ok: false; problems: string[] } {
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch (e) {
    return { ok: false, problems: [`not JSON: ${(e as Error).message}`] }
  }
  if (typeOf(raw) !== 'object') return { ok: false, problems: ['must be a JSON object: {"<detector>": {"<field>": value}}'] }
  const defaults = DEFAULT_DETECTORS_CONFIG as unknown as Record<string, Record<string, unknown>>
  const problems: string[] = []
  for (const [name, fields] of Object.entries(raw as Record<string, unknown>)) {
    const d = defaults[name]
    if (!d) { problems.push(`unknown detector ${name} (one of ${Object.keys(defaults).join(', ')})`); continue }
    if (typeOf(fields) !== 'object') { problems.push(`${name}: must be an object of fields`); continue }
    for (const [field, v] of Object.entries(fields as Record<string, unknown>)) {
      if (!(field in d)) problems.push(`${name}.${field}: unknown field (one of ${Object.keys(d).join(', ')})`)
      else if (typeOf(v) !== typeOf(d[field])) problems.push(`${name}.${field}: expected ${typeOf(d[field])} like the default ${JSON.stringify(d[field]).slice(0, 60)}, got ${typeOf(v)}`)
      else if (typeof v === 'number' && (!Number.isFinite(v) || v < 0)) problems.push(`${name}.${field}: must be a number ≥ 0`)
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, value: raw as DetectorOverrides }
}
