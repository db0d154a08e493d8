// Imported first by main.ts. The dashboard runs under a Content-Security-Policy without 'unsafe-eval'
// (analytics/api/hardening.ts). zod compiles object parsers with `new Function` unless jitless, and
// even its probe for eval is reported as a CSP violation; jitless parsing is plenty fast for a few
// API answers per poll.
import { config } from 'zod'

config({ jitless: true })
