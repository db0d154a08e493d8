// Chinese word segmentation for hot issues: @node-rs/jieba with its bundled dictionary.
// Loaded lazily (the dictionary takes ~0.2 s and memory) and once per process, because most processes
// (ingest, metrics) never need it. Input is cleaned and capped here so that empty, very long,
// non-Chinese or odd text (zero-width characters, full-width letters, spreadsheet artefacts) can never
// break or stall segmentation: every function here returns an empty result rather than throwing.
import { createRequire } from 'node:module'
import type { Jieba as JiebaT } from '@node-rs/jieba'

/** Characters segmented per text: appeals put the place and the problem first; the rest is narrative. */
export const MAX_SEGMENT_CHARS = 2000

export interface Token { word: string; tag: string }

let jieba: JiebaT | null | undefined
let dictText: string | null = null

function load(): JiebaT | null {
  if (jieba !== undefined) return jieba
  try {
    // createRequire: the package is CommonJS with a native addon, and its `dict` subpath has no ESM entry.
    const require = createRequire(import.meta.url)
    const { Jieba } = require('@node-rs/jieba') as typeof import('@node-rs/jieba')
    const { dict } = require('@node-rs/jieba/dict') as { dict: Uint8Array }
    jieba = Jieba.withDict(dict)
    dictText = '\n' + Buffer.from(dict).toString('utf8')
  } catch {
    // Without the native module hot issues find nothing; the rest of the server must still run.
    jieba = null
  }
  return jieba
}

/**
 * Normalised text: NFKC (full-width letters, digits and punctuation to their ASCII forms), spreadsheet
 * line artefacts (`_x000D_`) and zero-width characters removed, all whitespace (including the
 * ideographic space real bodies start with) collapsed to one space, capped at `max` characters without
 * splitting a surrogate pair.
 */
export function cleanText(s: string | null | undefined, max = MAX_SEGMENT_CHARS): string {
  if (!s) return ''
  let t = s.length > max * 2 ? s.slice(0, max * 2) : s
  t = t.normalize('NFKC').replace(/_x000D_/gi, ' ').replace(/[\u200b-\u200f\u2060\ufeff]/g, '').replace(/\s+/g, ' ').trim()
  if (t.length > max) {
    const cut = /[\ud800-\udbff]/.test(t[max - 1]) ? max - 1 : max
    t = t.slice(0, cut)
  }
  // A lone surrogate cannot be encoded for the native call: drop it.
  return t.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
}

/** Words with part-of-speech tags (ns place, nt organisation, nz other proper noun, x unknown …). */
export function tag(text: string): Token[] {
  const t = cleanText(text)
  if (!t) return []
  const j = load()
  if (!j) return []
  try {
    return j.tag(t, true).filter((w) => w.word.trim() !== '')
  } catch {
    return []
  }
}

const freqMemo = new Map<string, number>()

/**
 * How common a word is in the segmenter's dictionary (its corpus count; 0 when it is not there).
 * Names of estates and firms are rare words or none ("兴达" 2) that jieba may still tag as verbs or
 * adverbs, while the words people put before a name are common ("投诉" 2719): entities.ts reads the
 * count to tell the two apart. Looked up in the dictionary text on demand, memoised (few words ask).
 */
export function wordFreq(word: string): number {
  const hit = freqMemo.get(word)
  if (hit !== undefined) return hit
  load()
  let f = 0
  if (dictText) {
    const i = dictText.indexOf(`\n${word} `)
    if (i >= 0) {
      const line = dictText.slice(i + 1, dictText.indexOf('\n', i + 1))
      const m = /\s(\d+)(?:\s\S+)?$/.exec(line)
      f = m ? Number(m[1]) : 0
    }
  }
  if (freqMemo.size > 100_000) freqMemo.clear()
  freqMemo.set(word, f)
  return f
}

/** True when the segmenter could be loaded (for diagnostics and tests). */
export const segmenterAvailable = () => load() !== null
