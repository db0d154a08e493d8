// `npm run metrics:dictionary`: gives a new version to every metric whose definition changed (see
// analytics/metrics/versions.ts), then writes the metric dictionary, docs/metric-dictionary.md, under
// the canonical settings. Run it after changing analytics/metrics/definitions.ts and commit both files;
// test/metric-registry.test.ts fails until then.
import { existsSync, writeFileSync } from 'node:fs'
import { CANONICAL_PARAMS, VERSIONS_FILE, readVersionLock, updatedLock } from '../analytics/metrics/versions'
import { MetricsQueries } from '../analytics/metrics/queries'
import { dictionaryMarkdown } from '../analytics/metrics/dictionary'

const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10) // Asia/Shanghai
const { lock, changed } = updatedLock(existsSync(VERSIONS_FILE) ? readVersionLock() : {}, today)
writeFileSync(VERSIONS_FILE, JSON.stringify(lock, null, 2) + '\n')
// (definitions() reads no data: no database is opened)
const md = dictionaryMarkdown(new MetricsQueries(null as never, CANONICAL_PARAMS).definitions())
writeFileSync(new URL('../docs/metric-dictionary.md', import.meta.url), md)
console.log(changed.length ? `new versions: ${changed.map((id) => `${id} v${lock[id].version}`).join(', ')}` : 'no definition changed')
console.log('wrote docs/metric-dictionary.md')
