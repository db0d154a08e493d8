// Entry point: `npm start` runs API, ingest, workers, dashboard and (unless --no-demo) the simulator.
import { existsSync } from 'node:fs'
import { loadConfig, ConfigError } from './config'
import { startApp } from './app'
import { RedisUnavailableError } from './jobs/redis'
import { startDemo } from './ingest/simulator/demo'
import { SecretError } from './ingest/secret'

async function main() {
  // A .env file (see .env.example) fills in what the environment does not already set.
  if (existsSync('.env')) process.loadEnvFile('.env')
  const args = process.argv.slice(2)
  const cfg = loadConfig(process.env, args.includes('--no-demo') ? { DEMO: 'false' } : {})
  const app = await startApp(cfg)
  // The simulator sends like a real source: with a source token for both platforms, made for this run.
  const demoToken = cfg.DEMO ? await app.tokens.create({ role: 'source', platforms: ['12345', '110'], name: 'demo simulator', expiresDays: 30 }) : null
  const demo = demoToken ? startDemo(app.url, cfg, app.logger, { token: demoToken.token }) : null
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    app.logger.info({ signal }, 'shutting down')
    await demo?.stop()
    if (demoToken) await app.tokens.revoke(demoToken.info.id).catch(() => {})
    await app.close()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
  app.logger.info(`dashboard: ${app.url.replace('127.0.0.1', 'localhost')}/`)
  // For the person at the console, not the log (a log line would make the credential last as long as the log).
  if (app.demoAdminLink) console.error(`\n  demo admin (admin page, audit trail): open this link once, within 24 h:\n  ${app.demoAdminLink}\n`)
}

main().catch((e) => {
  if (e instanceof ConfigError || e instanceof RedisUnavailableError || e instanceof SecretError) {
    console.error(`\n${e.message}\n`)
    process.exit(2)
  }
  if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(`\nport ${process.env.PORT ?? 8080} is already in use: stop what runs there or start with PORT=<another port>\n`)
    process.exit(2)
  }
  console.error(e)
  process.exit(1)
})
