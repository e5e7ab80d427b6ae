/** The name projects give the pool (`pool: 'mp'`, `--pool=mp`), and that Vitest's reports show. */
export const POOL_NAME = 'mp'
