// Only the ECharts parts the dashboard uses (keeps the bundle small).
import * as echarts from 'echarts/core'
import { LineChart, BarChart, MapChart } from 'echarts/charts'
import { GridComponent, TooltipComponent, LegendComponent, VisualMapComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

echarts.use([LineChart, BarChart, MapChart, GridComponent, TooltipComponent, LegendComponent, VisualMapComponent, CanvasRenderer])

export { echarts }
export type ECharts = ReturnType<typeof echarts.init>
export type EChartsOption = Parameters<ECharts['setOption']>[0]

/**
 * One ECharts instance bound to a container: resized by a ResizeObserver (coalesced to one
 * resize per animation frame), disposed by destroy(). Animations are off for long-running walls.
 */
export function mountChart(el: HTMLElement, base: EChartsOption): { chart: ECharts; destroy: () => void } {
  const chart = echarts.init(el, null, { renderer: 'canvas' })
  chart.setOption({ animation: false, backgroundColor: 'transparent', textStyle: { fontFamily: FONT }, ...base })
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
      ro.disconnect()
      if (frame) cancelAnimationFrame(frame)
      chart.dispose()
    },
  }
}

export const FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", system-ui, sans-serif'

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

export const tooltipStyle = {
  confine: true,
  backgroundColor: COLORS.tooltipBg,
  borderColor: COLORS.tooltipBorder,
  borderWidth: 1,
  textStyle: { color: '#e6f0ff', fontSize: 16 },
  extraCssText: 'box-shadow: 0 0 12px rgba(0, 160, 255, 0.25); border-radius: 4px;',
}
