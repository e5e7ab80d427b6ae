/** The test environment a file asks for and the module tags it declares. */
export interface FileDocblock {
  environment: { name: string, options: Record<string, unknown> | null }
  tags: string[]
}

const ENVIRONMENT = /@(?:vitest|jest)-environment\s+([\w-]+)\b/
const ENVIRONMENT_OPTIONS = /@(?:vitest|jest)-environment-options\s+(.+)/
const MODULE_TAG = /(?:\/\/|\*)\s*@module-tag\s+([\w\-/]+)\b/g

/**
 * A test file's `@vitest-environment` docblock and `@module-tag` comments, read as Vitest reads
 * them before it starts a worker. We need them for every file of a run up front, before Vitest
 * hands the file to the pool, so that a group spanning files can start without waiting.
 */
export function parseFileDocblock(code: string, defaultEnvironment: string, configOptions: Record<string, unknown> = {}): FileDocblock {
  const name = code.match(ENVIRONMENT)?.[1] ?? defaultEnvironment
  const rawOptions = code.match(ENVIRONMENT_OPTIONS)?.[1]?.replace(/\*\/\s*$/, '')
  const parsed = rawOptions ? JSON.parse(rawOptions) as Record<string, unknown> : null
  const key = name === 'happy-dom' ? 'happyDOM' : name
  // Options a comment repeats from the config's `environmentOptions` are the config's (`null`, as
  // without the comment): a file with the comment and one without share a worker's environment.
  const ownOptions = parsed && JSON.stringify(parsed) !== JSON.stringify(configOptions[key])
  return {
    environment: { name, options: ownOptions ? { [key]: parsed } : null },
    tags: [...code.matchAll(MODULE_TAG)].map(match => match[1]!),
  }
}
