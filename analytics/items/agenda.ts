// The agenda and minutes of a consultation meeting (会商议程与纪要) for selected items: Markdown and
// printable HTML. All item text is escaped (titles come from detectors, which take words from appeals).
import { Reference } from '../../ingest/reference'
import { SEVERITY_LABELS, STATUS_LABELS, unitNames, type Item } from './model'

interface Line { label: string; value: string }

function lines(it: Item): Line[] {
  const ref = Reference.load()
  const units = unitNames()
  const unit = (u: string) => (units[u] ? `${units[u]}（${u}）` : u)
  const region = it.county_code ? (ref.countyByCode.get(it.county_code)?.name ?? it.county_code) : '全市'
  const category = it.category_code ? (ref.categoryByCode.get(it.category_code)?.name ?? it.category_code) : '—'
  const counts = Object.entries(it.evidence.counts).map(([k, v]) => `${k} ${v}`).join('，') || '—'
  const out: Line[] = [
    { label: '类型', value: it.kind_label },
    { label: '严重程度', value: SEVERITY_LABELS[it.severity] ?? it.severity },
    { label: '区域', value: region },
    { label: '类别', value: category },
    { label: '时间范围', value: `${it.first_seen.slice(0, 16).replace('T', ' ')} 至 ${it.last_seen.slice(0, 16).replace('T', ' ')}` },
    { label: '数量', value: counts },
    { label: '状态', value: `${STATUS_LABELS[it.status] ?? it.status}${it.status_reason ? `（${it.status_reason}）` : ''}` },
    { label: '建议主办', value: it.suggested_lead ? unit(it.suggested_lead) : '—' },
    { label: '建议协办', value: it.suggested_assist.map(unit).join('、') || '—' },
  ]
  if (it.decision) {
    out.push(
      { label: '决定主办', value: unit(it.decision.lead) },
      { label: '决定协办', value: it.decision.assist.map(unit).join('、') || '—' },
      { label: '处置规范', value: it.decision.norm },
      { label: '执行日期', value: it.decision.start_date },
    )
  } else out.push({ label: '会商意见', value: '' })
  return out
}

const HEADING = '会商议程与纪要'

/** Backslash-escapes Markdown syntax and angle brackets, and flattens line breaks, in one table cell or heading. */
export function escapeMd(s: string): string {
  return s.replace(/[\\`*_[\]#|<>~]/g, (c) => `\\${c}`).replace(/\r?\n|\r/g, ' ')
}

export function agendaMarkdown(items: Item[], meta: { date: string; generatedBy: string }): string {
  const out = [`# ${HEADING}`, '', `日期：${escapeMd(meta.date)}　事项：${items.length} 项　生成：${escapeMd(meta.generatedBy)}`, '']
  if (!items.length) out.push('（无事项）', '')
  items.forEach((it, i) => {
    out.push(`## ${i + 1}. ${escapeMd(it.title)}`, '', `编号 \`${it.id}\`，版本 ${it.version}`, '', '| 项目 | 内容 |', '|---|---|')
    for (const l of lines(it)) out.push(`| ${l.label} | ${escapeMd(l.value) || '　'} |`)
    out.push('')
  })
  out.push('---', '', '参会单位：', '', '记录人：', '')
  return out.join('\n')
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/** A self-contained printable page (inline style attributes only: the server's CSP allows no <style> element). */
export function agendaHtml(items: Item[], meta: { date: string; generatedBy: string }): string {
  const cell = 'style="border:1px solid #999;padding:4px 8px;vertical-align:top;text-align:left"'
  const body = items.map((it, i) => `
<section style="page-break-inside:avoid;margin:0 0 24px">
<h2 style="font-size:18px;margin:16px 0 8px">${i + 1}. ${escapeHtml(it.title)}</h2>
<p style="color:#555;margin:0 0 8px">编号 <code>${escapeHtml(it.id)}</code>，版本 ${it.version}</p>
<table style="border-collapse:collapse;width:100%">
${lines(it).map((l) => `<tr><th ${cell} scope="row">${escapeHtml(l.label)}</th><td ${cell}>${escapeHtml(l.value) || '&#12288;'}</td></tr>`).join('\n')}
</table>
</section>`).join('\n')
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${HEADING} ${escapeHtml(meta.date)}</title></head>
<body style="font-family:sans-serif;max-width:900px;margin:24px auto;color:#111">
<h1 style="font-size:24px">${HEADING}</h1>
<p>日期：${escapeHtml(meta.date)}　事项：${items.length} 项　生成：${escapeHtml(meta.generatedBy)}</p>
${items.length ? body : '<p>（无事项）</p>'}
<hr><p>参会单位：</p><p>记录人：</p>
</body></html>
`
}
