// Splits a request body (NDJSON, or one JSON array) into items that keep their line number and raw text.
// Bytes are decoded line by line and strictly: a line that is not UTF-8 is rejected by its number
// instead of being silently changed into replacement characters.
export interface BodyItem {
  line: number; raw: string; value?: unknown; parseError?: string
  /** Set by a mapping (ingest/mapping/): the problems it found, and the item's id when it could read one. */
  errors?: { field: string; reason: string }[]
  id?: string | null
}

/** More lines than a request may carry (answered 413 before any work is done). */
export class TooManyLinesError extends Error {
  constructor(readonly lines: number, readonly max: number) {
    super(`${lines} lines in one request; at most ${max} are taken: split the file into requests of ${max} lines or fewer`)
  }
}

const strict = new TextDecoder('utf-8', { fatal: true })
const lenient = new TextDecoder('utf-8')
const NOT_UTF8 = 'not valid UTF-8: send text encoded as UTF-8 (an export in GBK/GB18030 must be converted first)'

export function splitBody(body: Buffer | string, maxLines = Infinity): BodyItem[] {
  return splitBodyLazy(body, maxLines).map((f) => f())
}

/**
 * The items of a body, each parsed when called: the caller can yield to the event loop between
 * them, so a large body does not hold up health checks and other requests.
 */
export function splitBodyLazy(body: Buffer | string, maxLines = Infinity): (() => BodyItem)[] {
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
  // Exports saved by Windows tools often start with a byte-order mark.
  const start = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0
  let i = start
  while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x0a || buf[i] === 0x0d || buf[i] === 0x09)) i++
  if (buf[i] === 0x5b /* [ */) {
    try {
      const arr = JSON.parse(strict.decode(buf.subarray(i)))
      if (Array.isArray(arr)) {
        if (arr.length > maxLines) throw new TooManyLinesError(arr.length, maxLines)
        return arr.map((value, k) => () => ({ line: k + 1, raw: JSON.stringify(value), value }))
      }
    } catch (e) {
      if (e instanceof TooManyLinesError) throw e
      // Not a valid array as a whole: fall through and report line by line, so good lines survive.
    }
  }
  // The usual body is valid UTF-8 throughout: decode it once and split the text. Only a body with
  // bad bytes is decoded line by line, to name the lines at fault.
  let text: string | null = null
  try { text = strict.decode(buf.subarray(start)) } catch { /* located per line below */ }
  if (text !== null) return splitText(text, maxLines)
  // Lines are located first (cheap), so an oversized request is refused before any parsing.
  const bounds: [number, number, number][] = []
  for (let s = start, line = 1; s <= buf.length; line++) {
    let e = buf.indexOf(0x0a, s)
    if (e < 0) e = buf.length
    const end = e > s && buf[e - 1] === 0x0d ? e - 1 : e
    if (!isBlank(buf, s, end)) {
      bounds.push([s, end, line])
      if (bounds.length > maxLines) throw new TooManyLinesError(countLines(buf, e, bounds.length), maxLines)
    }
    s = e + 1
  }
  return bounds.map(([s, e, line]) => () => itemAt(buf, s, e, line))
}

function itemAt(buf: Buffer, s: number, e: number, line: number): BodyItem {
  let raw: string
  try {
    raw = strict.decode(buf.subarray(s, e))
  } catch {
    return { line, raw: lenient.decode(buf.subarray(s, e)), parseError: NOT_UTF8 }
  }
  try {
    return { line, raw, value: JSON.parse(raw) }
  } catch (err) {
    return { line, raw, parseError: `malformed JSON: ${(err as Error).message}` }
  }
}

function isBlank(buf: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (buf[i] !== 0x20 && buf[i] !== 0x09 && buf[i] !== 0x0d) return false
  return true
}

function countLines(buf: Buffer, from: number, seen: number): number {
  let n = seen
  for (let s = from + 1; s < buf.length; ) {
    let e = buf.indexOf(0x0a, s)
    if (e < 0) e = buf.length
    if (!isBlank(buf, s, e)) n++
    s = e + 1
  }
  return n
}

function splitText(text: string, maxLines: number): (() => BodyItem)[] {
  const lines = text.split('\n')
  const out: (() => BodyItem)[] = []
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i]
    if (raw.trim() === '') continue
    if (out.length === maxLines) throw new TooManyLinesError(out.length + lines.slice(i).filter((l) => l.trim() !== '').length, maxLines)
    const line = i + 1
    out.push(() => {
      try {
        return { line, raw, value: JSON.parse(raw) }
      } catch (err) {
        return { line, raw, parseError: `malformed JSON: ${(err as Error).message}` }
      }
    })
  }
  return out
}

/**
 * True when a body sent as NDJSON or JSON is evidently CSV: its first line is not JSON and is split
 * by commas, tabs or semicolons, and so is the next line. Such a body gets one clear answer
 * instead of "malformed JSON" on every line.
 */
export function looksLikeCsv(body: Buffer | string): boolean {
  const text = (typeof body === 'string' ? body.slice(0, 64 * 1024) : body.subarray(0, 64 * 1024).toString('utf8')).replace(/^\ufeff/, '')
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '').slice(0, 2)
  if (lines.length === 0) return false
  // Either line JSON-like: an NDJSON body with a bad line, whose good lines must still be stored.
  if (lines.some((l) => /^\s*[[{]/.test(l))) return false
  for (const d of [',', '\t', ';']) {
    const n = lines[0].split(d).length - 1
    // (The second line may hold fewer: a quoted field can carry a line break.)
    if (n >= 1 && (lines.length === 1 || lines[1].includes(d))) return true
  }
  return false
}
