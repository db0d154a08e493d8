// Hot issues from appeal text (热点问题): see hot-issues.ts for the method, heat.ts for the ranking.
export { findHotIssues, hotIssueToFinding, evidenceQuery, type HotIssue, type HotRecord, type HotIssueOptions } from './hot-issues'
export { heatIndex, heatSeverity, HEAT_FORMULA, HEAT_WEIGHTS, type HeatParts } from './heat'
export { queryHotIssues, readHotRecords, MAX_HOT_RECORDS } from './query'
export { entityKey, extractEntities } from './entities'
export { PROBLEMS, detectProblem } from './problems'
export { tag, cleanText } from './segment'
