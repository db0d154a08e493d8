// The versioned category catalogue (ingest/refdata/categories.v1.json) as typed data, and the
// intake mix of each platform derived from it.
import { readFileSync } from 'node:fs'
import type { Platform } from '../../model/record'
import { KINDS_110, KINDS_12345 } from '../../model/record'
import { WeightedTable } from './random'

export interface Category {
  code: string
  name: string
  group: string
  owner: Platform
  handover: null | 'to_110' | 'to_12345'
  police_first?: boolean
  kind_110?: (typeof KINDS_110)[number]
  kinds: (typeof KINDS_12345)[number][]
  dept: string
  weight: number
  cross_weight?: number
  urgency?: [number, number, number]
  titles: string[]
  contents: string[]
}
export interface Catalogue {
  version: string
  departments: Record<string, string>
  categories: Category[]
}

export const CATALOGUE: Catalogue = JSON.parse(readFileSync(new URL('../refdata/categories.v1.json', import.meta.url), 'utf8'))
export const CATEGORY_BY_CODE = new Map(CATALOGUE.categories.map((c) => [c.code, c]))

export const other = (p: Platform): Platform => (p === '12345' ? '110' : '12345')

/**
 * What arrives on a platform: its own categories (weight) plus the other platform's routing-list
 * items that citizens bring to the wrong number (cross_weight). The latter are what gets transferred.
 */
export const INTAKE: Record<Platform, WeightedTable<Category>> = {
  '12345': intake('12345'),
  '110': intake('110'),
}
function intake(p: Platform): WeightedTable<Category> {
  const items: Category[] = []
  const weights: number[] = []
  for (const c of CATALOGUE.categories) {
    const w = c.owner === p ? c.weight : c.handover ? (c.cross_weight ?? 0) : 0
    if (w > 0) {
      items.push(c)
      weights.push(w)
    }
  }
  return new WeightedTable(items, weights)
}
