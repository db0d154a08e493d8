// The key of the HMAC that turns caller phone numbers into repeat-caller keys. There is no usable
// default: a known key lets anyone reverse caller keys by hashing every phone number.
// - CALLER_HASH_SECRET set: used as given (production refuses a known or short one, see weakSecretReason).
// - unset: DATA_DIR/caller-hash.secret, generated at random (mode 0600) on the first start and reused
//   by later starts and by the import CLI writing straight into DATA_DIR, so keys stay comparable.
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import path from 'node:path'

/** The public development default of earlier versions, and other values that must never key real data. */
export const KNOWN_SECRETS = ['dev-only-caller-hash-secret-change-me', 'change-me', 'changeme', 'secret']
export const MIN_PRODUCTION_SECRET_LENGTH = 32
export const SECRET_FILE = 'caller-hash.secret'

/** Why a secret must not be used in production, or null. */
export function weakSecretReason(secret: string): string | null {
  if (KNOWN_SECRETS.includes(secret.trim().toLowerCase())) return 'is a published default: set your own random value (e.g. `openssl rand -base64 48`)'
  if (secret.length < MIN_PRODUCTION_SECRET_LENGTH) return `must be at least ${MIN_PRODUCTION_SECRET_LENGTH} characters in production`
  return null
}

export class SecretError extends Error {}

export interface ResolvedSecret { secret: string; source: 'config' | 'file' | 'generated'; file?: string }

/**
 * The caller-hash secret for this data directory: the configured one, else the file in DATA_DIR
 * (created on first use). Throws SecretError when production would run with a weak secret.
 */
export function resolveCallerSecret(cfg: { CALLER_HASH_SECRET?: string; DATA_DIR: string; NODE_ENV: string }): ResolvedSecret {
  const production = cfg.NODE_ENV === 'production'
  if (cfg.CALLER_HASH_SECRET) {
    const weak = production ? weakSecretReason(cfg.CALLER_HASH_SECRET) : null
    if (weak) throw new SecretError(`CALLER_HASH_SECRET ${weak}`)
    return { secret: cfg.CALLER_HASH_SECRET, source: 'config' }
  }
  const file = path.join(cfg.DATA_DIR, SECRET_FILE)
  let secret: string
  let source: ResolvedSecret['source'] = 'file'
  try {
    secret = readFileSync(file, 'utf8').trim()
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new SecretError(`cannot read ${file}: ${(e as Error).message}`)
    mkdirSync(cfg.DATA_DIR, { recursive: true })
    secret = randomBytes(48).toString('base64url')
    try {
      // wx: two processes starting at once never overwrite each other's secret; the loser reads the winner's.
      writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' })
      chmodSync(file, 0o600)
      source = 'generated'
    } catch (w) {
      if ((w as NodeJS.ErrnoException).code !== 'EEXIST') throw new SecretError(`cannot write ${file}: ${(w as Error).message}`)
      secret = readFileSync(file, 'utf8').trim()
    }
  }
  if (secret.length < MIN_PRODUCTION_SECRET_LENGTH || KNOWN_SECRETS.includes(secret.toLowerCase()))
    throw new SecretError(`${file} holds no usable secret (at least ${MIN_PRODUCTION_SECRET_LENGTH} random characters): restore it from a backup, or set CALLER_HASH_SECRET (a new secret changes every caller key)`)
  // Readable by others, the secret is as good as published: tighten it.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600)
  return { secret, source, file }
}
