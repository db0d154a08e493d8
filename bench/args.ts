// Command-line options of the benchmarks: `--name value`.

/** The number after `--name`, else `def`. */
export const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : def
}

/** The text after `--name`, else undefined. */
export const strArg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1] : undefined
}
