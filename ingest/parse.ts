// Splits a request body (NDJSON, or one JSON array) into items that keep their line number and raw text.
export interface BodyItem { line: number; raw: string; value?: unknown; parseError?: string }

export function splitBody(body: string): BodyItem[] {
  // Exports saved by Windows tools often start with a byte-order mark.
  if (body.charCodeAt(0) === 0xfeff) body = body.slice(1)
  const trimmed = body.trimStart()
  if (trimmed.startsWith('[')) {
    try {
      const arr = JSON.parse(trimmed)
      if (Array.isArray(arr)) return arr.map((value, i) => ({ line: i + 1, raw: JSON.stringify(value), value }))
    } catch {
      // Not a valid array as a whole: fall through and report line by line, so good lines survive.
    }
  }
  const items: BodyItem[] = []
  const lines = body.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, '')
    if (raw.trim() === '') continue
    try {
      items.push({ line: i + 1, raw, value: JSON.parse(raw) })
    } catch (e) {
      items.push({ line: i + 1, raw, parseError: `malformed JSON: ${(e as Error).message}` })
    }
  }
  return items
}
