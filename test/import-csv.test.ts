// The streaming CSV reader on hostile input: every case also fed one character at a time, so no
// chunk boundary (inside a quote, between CR and LF, inside the BOM's row) changes the result.
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { CsvParser, csvRows, type CsvRow } from '../ingest/mapping/csv'

function parseWhole(text: string): CsvRow[] {
  const p = new CsvParser()
  return [...p.push(text), ...p.end()]
}
function parseByChar(text: string): CsvRow[] {
  const p = new CsvParser()
  const out: CsvRow[] = []
  for (const ch of text) out.push(...p.push(ch))
  return [...out, ...p.end()]
}
function both(text: string): CsvRow[] {
  const a = parseWhole(text)
  expect(parseByChar(text)).toEqual(a)
  return a
}

describe('CSV reader', () => {
  it('reads quoted fields holding commas, doubled quotes and line breaks, and names the line each row starts on', () => {
    const rows = both('id,text,n\n1,"a, b",2\n2,"she said ""hi""",3\n3,"line one\nline two\nline three",4\n4,plain,5\n')
    expect(rows.map((r) => r.fields)).toEqual([
      ['id', 'text', 'n'], ['1', 'a, b', '2'], ['2', 'she said "hi"', '3'], ['3', 'line one\nline two\nline three', '4'], ['4', 'plain', '5'],
    ])
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3, 4, 7])
    expect(rows.every((r) => !r.error)).toBe(true)
  })

  it('takes CRLF, lone CR, a byte-order mark and a last line without a line end', () => {
    const rows = both('\ufeffa,b\r\n1,"x\r\ny"\r\n2,z\r3,w')
    expect(rows.map((r) => r.fields)).toEqual([['a', 'b'], ['1', 'x\r\ny'], ['2', 'z'], ['3', 'w']])
    expect(rows.map((r) => r.line)).toEqual([1, 2, 4, 5])
    expect(rows[0].fields[0]).toBe('a') // no BOM left in the first header
  })

  it('keeps empty fields, blank lines as one empty field, and ragged rows as they are', () => {
    const rows = both('a,b,c\n,,\n\n1,2\n1,2,3,4\n')
    expect(rows.map((r) => r.fields)).toEqual([['a', 'b', 'c'], ['', '', ''], [''], ['1', '2'], ['1', '2', '3', '4']])
  })

  it('reads an empty file as no rows, and a file of one header as one', () => {
    expect(both('')).toEqual([])
    expect(both('\ufeff')).toEqual([])
    expect(both('a,b')).toEqual([{ line: 1, fields: ['a', 'b'] }])
  })

  it('flags text after a closing quote, and a quote never closed, by the line the row starts on', () => {
    const bad = both('a,b\n"x"y,1\n2,"open\n3,4\n')
    expect(bad[1]).toMatchObject({ line: 2, error: expect.stringMatching(/text after a closing quote in field 1/) })
    expect(bad[2]).toMatchObject({ line: 3, error: expect.stringMatching(/never closed/) })
    // A quote inside an unquoted field is text.
    expect(both('a\n5" pipe\n')[1].fields).toEqual(['5" pipe'])
  })

  it('reads a 1 MB field, and ends a row whose field passes the limit with an error instead of growing', () => {
    const big = 'x'.repeat(1024 * 1024)
    const rows = parseWhole(`id,text\n1,"${big}"\n2,after\n`)
    expect(rows[1].fields[1].length).toBe(1024 * 1024)
    expect(rows[2].fields).toEqual(['2', 'after'])
    const p = new CsvParser({ maxFieldChars: 1000 })
    const capped = [...p.push(`id,text\n1,"${'y'.repeat(5000)}",z\n2,ok\n`), ...p.end()]
    expect(capped[1].error).toMatch(/longer than 1000 characters/)
    expect(capped[1].fields).toEqual(['1', '', ''])
    expect(capped[2]).toEqual({ line: 3, fields: ['2', 'ok'] })
  })

  it('decodes UTF-8 split across chunks, and flags rows that are not UTF-8 by line', async () => {
    const bytes = Buffer.from('名称,区\n金水区,"郑州\n市"\n', 'utf8')
    const chunks = [...bytes].map((b) => Buffer.from([b])) // one byte at a time: characters split mid-sequence
    const rows: CsvRow[] = []
    for await (const r of csvRows(chunks)) rows.push(r)
    expect(rows.map((r) => r.fields)).toEqual([['名称', '区'], ['金水区', '郑州\n市']])
    const gbk = Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from([0xd6, 0xa3, 0xd6, 0xdd]), Buffer.from('\n2,ok\n')])
    const out: CsvRow[] = []
    for await (const r of csvRows([gbk])) out.push(r)
    expect(out[1].error).toMatch(/not valid UTF-8/)
    expect(out[2]).toEqual({ line: 3, fields: ['2', 'ok'] })
  })

  it('takes another delimiter, and streams a large file in bounded memory', async () => {
    expect(new CsvParser({ delimiter: '\t' }).push('a\tb,c\n')[0].fields).toEqual(['a', 'b,c'])
    expect(() => new CsvParser({ delimiter: '"' })).toThrow(/delimiter/)
    // 200k rows generated on the fly: rows are counted, never kept.
    function* gen() { yield 'id,text\n'; for (let i = 0; i < 200_000; i += 1000) yield Array.from({ length: 1000 }, (_, k) => `${i + k},"row ${i + k}, ""quoted"""\n`).join('') }
    let n = 0, last: CsvRow | undefined
    for await (const r of csvRows(gen())) { n++; last = r }
    expect(n).toBe(200_001)
    expect(last).toEqual({ line: 200_001, fields: ['199999', 'row 199999, "quoted"'] })
  })
})

describe('CSV reader, property-based', () => {
  // Fields of the characters that matter (quotes, delimiters, CR, LF, BOM-like and wide text), written
  // as RFC 4180 says, with CRLF or LF line ends, read back in random chunks.
  const field = fc.array(fc.constantFrom('a', ' ', ',', '"', '\r', '\n', '\r\n', '金', '\t', '\ufeff', '""'), { maxLength: 8 }).map((a) => a.join(''))
  const write = (f: string) => (/[",\r\n\ufeff]/.test(f) || f === '' ? `"${f.replace(/"/g, '""')}"` : f)
  it('reads back exactly the rows written, whatever the chunking', () => {
    fc.assert(fc.property(
      fc.array(fc.array(field, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 }),
      fc.constantFrom('\n', '\r\n'), fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 20 }),
      (rows, eol, cuts) => {
        const text = rows.map((r) => r.map(write).join(',')).join(eol) + eol
        const p = new CsvParser()
        const got: CsvRow[] = []
        let i = 0
        for (let k = 0; i < text.length; k++) { const n = cuts[k % cuts.length]; got.push(...p.push(text.slice(i, i + n))); i += n }
        got.push(...p.end())
        expect(got.map((r) => r.fields)).toEqual(rows)
        expect(got.every((r) => !r.error)).toBe(true)
        // Each row starts on the line after the previous row's line breaks.
        let line = 1
        rows.forEach((r, k) => { expect(got[k].line).toBe(line); line += 1 + r.join(',').split(/\r\n|\r|\n/).length - 1 })
      }), { numRuns: 500 })
  })
})
