// Exports generated here (never real data): CSV as the sources' own systems write it, Chinese column
// names, Windows habits included (BOM, CRLF, quoted fields with line breaks, leading tabs).
export const WORK_ORDER_HEADER = ['工单编号', '来源渠道', '受理时间', '来电号码', '来电人姓名', '所属区县', '诉求类型', '问题分类', '工单标题', '诉求内容', '工单状态', '派单时间', '办结时间', '回访时间', '是否联系上', '满意度']

export function csvLine(fields: (string | number)[]): string {
  return fields.map((f) => { const s = String(f); return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s }).join(',')
}

/** A work-order row; `over` replaces columns by name. */
export function workOrder(i: number, over: Record<string, string> = {}): string[] {
  const day = 1 + (i % 28)
  const row: Record<string, string> = {
    工单编号: `WO-${String(i).padStart(6, '0')}`, 来源渠道: i % 3 === 0 ? '网站' : '电话', 受理时间: `2019/3/${day} 9:${String(i % 60).padStart(2, '0')}:05`,
    来电号码: `1381234${String(i % 10000).padStart(4, '0')}`, 来电人姓名: '张三', 所属区县: ['金水区', '中原区', '二七区'][i % 3], 诉求类型: '投诉', 问题分类: '路灯损坏',
    工单标题: '\t小区门口路灯不亮', 诉求内容: `\r\n\t\t\t小区门口路灯连续三天不亮，\r\n\t\t\t请尽快维修。联系电话1381234${String(i % 10000).padStart(4, '0')}`,
    工单状态: '已办结', 派单时间: `2019/3/${day} 10:00:00`, 办结时间: `2019/3/${day} 16:30:00`, 回访时间: `2019/3/${day} 18:00:00`, 是否联系上: '是', 满意度: '满意',
    ...over,
  }
  return WORK_ORDER_HEADER.map((h) => row[h])
}

export function workOrderCsv(rows: string[][], o: { bom?: boolean; eol?: string } = {}): string {
  const eol = o.eol ?? '\r\n'
  return (o.bom === false ? '' : '\ufeff') + [csvLine(WORK_ORDER_HEADER), ...rows.map(csvLine)].join(eol) + eol
}
