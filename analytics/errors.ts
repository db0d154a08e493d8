// Telling ClickHouse's answers apart: a row it cannot parse (the sender's data) versus storage that is
// down or misconfigured (ours). Only the first may be blamed on a line; the second means "resend later".

// Error codes ClickHouse uses for input it cannot read into the table's columns.
const DATA_ERROR_CODES = new Set([
  6, // CANNOT_PARSE_TEXT
  25, // CANNOT_PARSE_ESCAPE_SEQUENCE (a lone surrogate \ud800)
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  32, // ATTEMPT_TO_READ_AFTER_EOF
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  53, // TYPE_MISMATCH
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA
  131, // TOO_LARGE_STRING_SIZE
  349, // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
  1001, // STD_EXCEPTION raised while parsing
])

function codeOf(e: unknown): number | null {
  const x = e as { code?: unknown; clickhouseCode?: unknown; cause?: unknown }
  for (const v of [x?.clickhouseCode, x?.code]) {
    const n = Number(v)
    if (Number.isInteger(n) && n > 0) return n
  }
  return x?.cause ? codeOf(x.cause) : null
}

export function isDataError(e: unknown): boolean {
  const c = codeOf(e)
  return c !== null && DATA_ERROR_CODES.has(c)
}

/** A short reason for the sender: what ClickHouse could not read, without its internals. */
export function storageReason(e: unknown): string {
  const msg = String((e as Error)?.message ?? e)
  const first = msg.split(/\. In |\. While |: While |\(version |\n/)[0].replace(/\s+/g, ' ').trim().slice(0, 200)
  return `storage cannot read this line: ${first}`
}
