// The mappings the ingest API may apply (`POST /api/ingest/records?mapping=NAME`): files NAME.json
// (or .yaml/.yml) in one configured folder. Names are plain, so a request can never reach another path.
import { readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadMappingFile, MappingError, type Mapping } from './schema'

export const MAPPING_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/
/** The examples shipped with the project (ingest/mappings/), used when INGEST_MAPPINGS_DIR is not set. */
export const SHIPPED_MAPPINGS_DIR = fileURLToPath(new URL('../mappings/', import.meta.url))

export class MappingStore {
  private readonly cache = new Map<string, { mtimeMs: number; mapping: Mapping }>()
  constructor(readonly dir: string = SHIPPED_MAPPINGS_DIR) {}

  /** The names available, for error messages. */
  names(): string[] {
    try { return readdirSync(this.dir).filter((f) => /\.(json|ya?ml)$/i.test(f)).map((f) => f.replace(/\.(json|ya?ml)$/i, '')).sort() } catch { return [] }
  }

  /** The mapping NAME (re-read when its file changed). Throws MappingError naming what is wrong. */
  async get(name: string): Promise<Mapping> {
    if (!MAPPING_NAME.test(name) || name.includes('..')) throw new MappingError(`mapping name ${JSON.stringify(name.slice(0, 80))} is not a plain name (letters, digits, . _ -)`)
    for (const ext of ['.json', '.yaml', '.yml']) {
      const file = path.join(this.dir, name + ext)
      let mtimeMs: number
      try { mtimeMs = statSync(file).mtimeMs } catch { continue }
      const hit = this.cache.get(file)
      if (hit && hit.mtimeMs === mtimeMs) return hit.mapping
      const mapping = await loadMappingFile(file)
      this.cache.set(file, { mtimeMs, mapping })
      return mapping
    }
    const names = this.names()
    throw new MappingError(`no mapping named ${JSON.stringify(name)}${names.length ? `; available: ${names.join(', ')}` : ' (the mapping folder holds none)'}`)
  }
}
