// Only the ECharts parts the dashboard uses (keeps the bundle small).
import * as echarts from 'echarts/core'
import { LineChart, BarChart, MapChart } from 'echarts/charts'
import { GridComponent, TooltipComponent, LegendComponent, VisualMapComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

echarts.use([LineChart, BarChart, MapChart, GridComponent, TooltipComponent, LegendComponent, VisualMapComponent, CanvasRenderer])

export { echarts }
export type ECharts = ReturnType<typeof echarts.init>
export type EChartsOption = Parameters<ECharts['setOption']>[0]

/** Used when the page's stylesheet is not there (it always is in the built page). */
const FALLBACK_FONT = "'Noto Sans SC Variable', 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif"

/**
 * The charts' font family: the page's own (`--font` in app.css, headed by the self-hosted Noto Sans SC),
 * so canvas text and HTML text look the same on every machine.
 */
export function pageFont(): string {
  const v = typeof document === 'undefined' ? '' : getComputedStyle(document.documentElement).getPropertyValue('--font').trim()
  return v || FALLBACK_FONT
}

// ── Redrawing once the glyphs a chart's labels need have loaded ─────────────────────────────────
// The self-hosted font is split into ~100 unicode-range subsets; the browser fetches one only when text
// needs it. Text drawn on a canvas before its subset has loaded stays in the fallback (tofu on a machine
// without CJK fonts) and is never redrawn by itself. zrender measures every label it lays out through
// platformApi.measureText (once per string and font: it caches widths per CSS font string), so that is
// where we see which characters the charts need: any whose font is not loaded yet is loaded with
// document.fonts.load(), and every live chart is then redrawn. The redraw uses a new, equivalent spelling
// of the same family list (one more space after its first comma), so zrender measures afresh instead
// of reusing widths taken in the fallback font (legends and axis layout would overlap otherwise).
// Generations only advance while glyphs are still missing, i.e. a few times after a page loads.

interface Live { chart: ECharts; el: HTMLElement }
const live = new Set<Live>()
let generation = 0
const requested = new Set<string>() // characters already asked for: at most one load per character
let pending = new Map<string, string>() // font → characters to load
let flushTimer: ReturnType<typeof setTimeout> | undefined
let redrawFrame = 0

function chartFont(): string {
  const f = pageFont()
  const i = f.indexOf(',')
  return i < 0 || generation === 0 ? f : f.slice(0, i + 1) + ' '.repeat(generation) + f.slice(i + 1)
}

let measureCtx: CanvasRenderingContext2D | null = null
let measureFont = ''
function measureText(text: string, font?: string): { width: number } {
  font ||= '12px sans-serif'
  measureCtx ??= document.createElement('canvas').getContext('2d')
  if (!measureCtx) return { width: text.length * (parseFloat(font) || 12) }
  if (font !== measureFont) measureCtx.font = measureFont = font
  if (live.size) needGlyphs(text, font)
  return measureCtx.measureText(text)
}
echarts.setPlatformAPI({ measureText })

function needGlyphs(text: string, font: string) {
  let fresh = ''
  for (const c of text) if (c > '\u007f' && !requested.has(c)) fresh += c
  if (!fresh) return
  let loaded = true
  try {
    loaded = document.fonts.check(font, fresh)
  } catch {
    return // not a font string the browser parses: nothing to load
  }
  if (loaded) return
  for (const c of fresh) requested.add(c)
  pending.set(font, (pending.get(font) ?? '') + fresh)
  // Charts mounted in the same moment ask together: one load, one redraw.
  flushTimer ??= setTimeout(flushGlyphs, 30)
}

function flushGlyphs() {
  flushTimer = undefined
  const batch = pending
  pending = new Map()
  const loads = [...batch].map(([font, chars]) => document.fonts.load(font, chars))
  void Promise.allSettled(loads).then(scheduleRedraw)
}

function scheduleRedraw() {
  if (redrawFrame || !live.size) return
  redrawFrame = requestAnimationFrame(() => {
    redrawFrame = 0
    redrawAll()
  })
}

/** Every live chart laid out and drawn again, every label measured afresh (a new font generation). */
function redrawAll() {
  generation++
  const fontFamily = chartFont()
  for (const c of live) if (!c.chart.isDisposed()) c.chart.setOption({ textStyle: { fontFamily } })
}

/**
 * One ECharts instance bound to a container: resized by a ResizeObserver (coalesced to one
 * resize per animation frame), drawn in the page's font and redrawn when glyphs its labels need
 * arrive, disposed by destroy(). Animations are off for long-running walls.
 */
export function mountChart(el: HTMLElement, base: EChartsOption): { chart: ECharts; destroy: () => void } {
  const chart = echarts.init(el, null, { renderer: 'canvas' })
  const entry: Live = { chart, el }
  live.add(entry)
  chart.setOption({ animation: false, backgroundColor: 'transparent', ...base, textStyle: { ...(base.textStyle as object), fontFamily: chartFont() } })
  let frame = 0
  let lastW = el.clientWidth
  let lastH = el.clientHeight
  const ro = new ResizeObserver(() => {
    if (frame) return
    frame = requestAnimationFrame(() => {
      frame = 0
      const w = el.clientWidth
      const h = el.clientHeight
      if (w === lastW && h === lastH) return
      lastW = w
      lastH = h
      if (!chart.isDisposed()) chart.resize()
    })
  })
  ro.observe(el)
  return {
    chart,
    destroy() {
      live.delete(entry)
      if (!live.size && redrawFrame) {
        cancelAnimationFrame(redrawFrame)
        redrawFrame = 0
      }
      ro.disconnect()
      if (frame) cancelAnimationFrame(frame)
      chart.dispose()
    },
  }
}

// For the browser test (test/browser-fonts.test.ts): what the live charts show — every string of their
// options (series, legend and axis names, category labels…) and the region names of the maps they draw —
// the font family each one draws in, and a fresh redraw (the test compares the pixels before and after:
// a chart left in the fallback font changes). Computed only when called.
function chartTexts(): string[] {
  const out: string[] = []
  const walk = (v: unknown) => {
    if (typeof v === 'string') out.push(v)
    else if (Array.isArray(v)) v.forEach(walk)
    else if (v && typeof v === 'object') Object.values(v).forEach(walk)
  }
  for (const { chart } of live) {
    if (chart.isDisposed()) continue
    const opt = chart.getOption() as { series?: { type?: string; map?: string }[] }
    walk(opt)
    for (const s of opt.series ?? []) {
      if (s.type !== 'map' || !s.map) continue
      const geo = echarts.getMap(s.map)?.geoJSON as { features?: { properties?: { name?: unknown } }[] } | undefined
      for (const f of geo?.features ?? []) if (typeof f.properties?.name === 'string') out.push(f.properties.name)
    }
  }
  return out
}
function chartFonts(): string[] {
  return [...live].filter((c) => !c.chart.isDisposed()).map((c) => {
    const t = (c.chart.getOption() as { textStyle?: { fontFamily?: string } | { fontFamily?: string }[] }).textStyle
    return String((Array.isArray(t) ? t[0] : t)?.fontFamily ?? '')
  })
}
if (typeof window !== 'undefined') {
  Object.defineProperty(window, '__linkageCharts', { value: Object.freeze({ texts: chartTexts, fontFamily: chartFonts, redraw: redrawAll }), configurable: true }) // configurable: Vite's dev server re-runs modules
}

/** Palette shared by all panels (matches the CSS variables in app.css). */
export const COLORS = {
  v12345: '#2ee6d6',
  v110: '#4d8dff',
  to110: '#ffb020',
  to12345: '#b98cff',
  bounce: '#ff5a5f',
  axis: '#5c7394',
  grid: 'rgba(92, 115, 148, 0.18)',
  text: '#c9d7ea',
  muted: '#8196b3',
  tooltipBg: 'rgba(8, 20, 42, 0.94)',
  tooltipBorder: '#2a5a8c',
}

// The tooltip is HTML: the browser loads its glyphs itself; it only needs the page's family.
export const tooltipStyle = {
  confine: true,
  backgroundColor: COLORS.tooltipBg,
  borderColor: COLORS.tooltipBorder,
  borderWidth: 1,
  textStyle: { color: '#e6f0ff', fontSize: 16, fontFamily: pageFont() },
  extraCssText: 'box-shadow: 0 0 12px rgba(0, 160, 255, 0.25); border-radius: 4px;',
}
