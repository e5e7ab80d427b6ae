import type { Strategy } from './strategy.js'
import type { GroupDeclaration } from './test-tree.js'
import { MpError } from './errors.js'
import { DEFAULT_STRATEGY, isStrategy, STRATEGIES } from './strategy.js'

/**
 * Rules (pytest-mp's, kept):
 * 1. A group's strategy is the first one given to it; declarations that omit it join the group.
 * 2. A group given two different strategies, in one file or two, is an error.
 * 3. A strategy that is not one of STRATEGIES is an error.
 * 4. A group declared inside another group is an error (a group inside itself is not).
 * 5. A group no declaration gives a strategy to is `free`.
 * All errors of a run are found together, before any test starts.
 */
export function resolveGroups(
  declarations: readonly GroupDeclaration[],
  formatFile: (file: string) => string = file => file,
): { strategies: Map<string, Strategy>, errors: MpError[] } {
  const strategies = new Map<string, Strategy>()
  const errors: MpError[] = []
  const byGroup = new Map<string, GroupDeclaration[]>()
  for (const declaration of declarations) {
    const list = byGroup.get(declaration.group) ?? []
    list.push(declaration)
    byGroup.set(declaration.group, list)
  }

  const where = (declaration: GroupDeclaration) =>
    declaration.line === undefined ? formatFile(declaration.file) : `${formatFile(declaration.file)}:${declaration.line}`

  for (const [group, list] of byGroup) {
    for (const declaration of list) {
      if (declaration.strategy !== undefined && !isStrategy(declaration.strategy)) {
        errors.push(new MpError(
          `Group "${group}" has an unknown strategy "${declaration.strategy}" at ${where(declaration)}. `
          + `Use one of: ${STRATEGIES.join(', ')} (or leave it out for "${DEFAULT_STRATEGY}").`,
          { files: [declaration.file] },
        ))
      }
      if (declaration.nestedIn) {
        const outer = declaration.nestedIn
        const outerAt = outer.line === undefined ? formatFile(declaration.file) : `${formatFile(declaration.file)}:${outer.line}`
        errors.push(new MpError(
          `Group "${group}" at ${where(declaration)} is declared inside group "${outer.group}" (${outerAt}). `
          + `Groups cannot be nested: move the "${group}" block out of "${outer.group}", or use one group for both.`,
          { files: [declaration.file] },
        ))
      }
    }

    const given = list.filter(declaration => declaration.strategy !== undefined && isStrategy(declaration.strategy))
    const distinct = [...new Set(given.map(declaration => declaration.strategy))]
    if (distinct.length > 1) {
      const listing = given.map(declaration => `"${declaration.strategy}" at ${where(declaration)}`).join(', ')
      errors.push(new MpError(
        `Group "${group}" is given ${distinct.length} different strategies: ${listing}. `
        + `A group has one strategy; the first one given wins. Make them all "${given[0]!.strategy}", or leave the strategy out where the group is joined. `
        + `Valid strategies: ${STRATEGIES.join(', ')}.`,
        { files: [...new Set(given.map(declaration => declaration.file))] },
      ))
    }
    const first = given[0]?.strategy
    strategies.set(group, isStrategy(first) ? first : DEFAULT_STRATEGY)
  }

  return { strategies, errors }
}
