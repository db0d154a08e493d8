// A streaming CSV reader (RFC 4180 and what real exports do besides): quoted fields holding commas,
// doubled quotes and line breaks; CRLF, LF or CR line ends; a UTF-8 byte-order mark; a last line
// without a line end. Memory is one row at a time (plus the chunk being read), whatever the file's
// size. Each row carries the physical line it starts on, so errors name the line an editor shows.
//
// Lenient where exports are sloppy, and says so: a quote inside an unquoted field is kept as text;
// text after a closing quote is kept and the row flagged. A field longer than `maxFieldChars`, or a
// quote left open at the end of the file, ends that row with an error instead of exhausting memory.

export interface CsvRow {
  /** 1-based physical line the row starts on. */
  line: number
  fields: string[]
  /** Set when the row could not be read cleanly; its fields are then not to be trusted. */
  error?: string
}

export interface CsvOptions {
  delimiter?: string
  /** A field longer than this ends its row with an error (default 4 M characters). */
  maxFieldChars?: number
}

const DEFAULT_MAX_FIELD = 4 * 1024 * 1024

/** Incremental parser: feed decoded text chunks, collect complete rows; call end() after the last. */
export class CsvParser {
  private readonly delim: number
  private readonly maxField: number
  private field: string[] = [] // pieces of the current field (joined at its end: no quadratic concatenation)
  private fieldLen = 0
  private fields: string[] = []
  private inQuotes = false
  private quoteSeen = false // the current field started with a quote
  private afterQuote = false // a quote just closed inside a quoted field (a second one makes a literal quote)
  private line = 1
  private rowLine = 1
  private rowError: string | undefined
  private skipping = false // the current row is over-long: drop its text until its end
  private started = false

  constructor(o: CsvOptions = {}) {
    const d = o.delimiter ?? ','
    if (d.length !== 1 || d === '"' || d === '\n' || d === '\r') throw new Error(`CSV delimiter must be one character other than a quote or a line end, not ${JSON.stringify(d)}`)
    this.delim = d.charCodeAt(0)
    this.maxField = o.maxFieldChars ?? DEFAULT_MAX_FIELD
  }

  /** Parses a chunk; returns the rows it completed. */
  push(text: string): CsvRow[] {
    const out: CsvRow[] = []
    let i = 0
    if (!this.started && text.length > 0) {
      this.started = true
      if (text.charCodeAt(0) === 0xfeff) i = 1
    }
    let segStart = i // start of the run of plain characters not yet copied into the field
    const n = text.length
    const flushSeg = (end: number) => {
      if (end > segStart && !this.skipping) this.addText(text.slice(segStart, end))
    }
    for (; i < n; i++) {
      const c = text.charCodeAt(i)
      const afterCR = this.lastCR
      this.lastCR = c === 13
      if (this.inQuotes) {
        if (c === 34) {
          flushSeg(i)
          segStart = i + 1
          this.inQuotes = false
          this.afterQuote = true
        } else if (c === 13 || (c === 10 && !afterCR)) this.line++ // a line break inside quotes is part of the field
        continue
      }
      if (c === 10 && afterCR) { segStart = i + 1; continue } // the LF of a CRLF whose CR ended the row
      if (this.afterQuote) {
        this.afterQuote = false
        if (c === 34) { // doubled quote: a literal quote, and back inside the quotes
          if (!this.skipping) this.addText('"')
          this.inQuotes = true
          segStart = i + 1
          continue
        }
        if (c !== this.delim && c !== 10 && c !== 13) this.rowError ??= `text after a closing quote in field ${this.fields.length + 1}`
      }
      if (c === this.delim) {
        flushSeg(i)
        this.endField()
        segStart = i + 1
      } else if (c === 10 || c === 13) {
        flushSeg(i)
        this.endField()
        out.push(this.endRow())
        this.line++
        this.rowLine = this.line
        segStart = i + 1
      } else if (c === 34 && this.fieldLen === 0 && !this.quoteSeen && i === segStart) {
        // A quote opening a field (only at its very start; elsewhere it is plain text).
        this.inQuotes = true
        this.quoteSeen = true
        segStart = i + 1
      }
    }
    flushSeg(n)
    return out
  }

  /** Ends the input: returns the last row if the file did not end with a line break. */
  end(): CsvRow[] {
    if (this.inQuotes) {
      this.rowError ??= `a quoted field opened on line ${this.rowLine} is never closed (the rest of the file was read into it)`
      this.inQuotes = false
    }
    this.afterQuote = false
    if (this.fields.length === 0 && this.fieldLen === 0 && !this.quoteSeen && !this.rowError) return []
    this.endField()
    return [this.endRow()]
  }

  private lastCR = false

  private addText(s: string) {
    this.fieldLen += s.length
    if (this.fieldLen > this.maxField) {
      this.rowError ??= `field ${this.fields.length + 1} is longer than ${this.maxField} characters (an unclosed quote?)`
      this.skipping = true
      this.field = []
      return
    }
    this.field.push(s)
  }

  private endField() {
    this.fields.push(this.skipping ? '' : this.field.length === 1 ? this.field[0] : this.field.join(''))
    this.field = []
    this.fieldLen = 0
    this.quoteSeen = false
  }

  private endRow(): CsvRow {
    const row: CsvRow = { line: this.rowLine, fields: this.fields }
    if (this.rowError) row.error = this.rowError
    this.fields = []
    this.rowError = undefined
    this.skipping = false
    return row
  }
}

/** True for a row that holds nothing (a blank line): one empty, unquoted field. */
export function isBlankRow(r: CsvRow): boolean {
  return !r.error && r.fields.length === 1 && r.fields[0].trim() === ''
}

/**
 * Rows of a byte stream (a file, a request body). Bytes are decoded as UTF-8 without failing: bad
 * bytes become U+FFFD, and the rows holding one are flagged so they can be rejected by line.
 */
export async function* csvRows(input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>, o: CsvOptions = {}): AsyncGenerator<CsvRow> {
  const parser = new CsvParser(o)
  const decoder = new TextDecoder('utf-8')
  const flag = (rows: CsvRow[]) => {
    for (const r of rows) if (!r.error && r.fields.some((f) => f.includes('\ufffd'))) r.error = NOT_UTF8
    return rows
  }
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
    for (const r of flag(parser.push(text))) yield r
  }
  const rest = decoder.decode()
  if (rest) for (const r of flag(parser.push(rest))) yield r
  for (const r of flag(parser.end())) yield r
}

export const NOT_UTF8 = 'not valid UTF-8 (or holds U+FFFD): save the export as UTF-8 (a GBK/GB18030 export must be converted first, e.g. iconv -f GB18030 -t UTF-8)'
