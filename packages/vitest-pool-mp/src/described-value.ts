/** A value as a message shows it: its kind, and a primitive's text (`a number (42)`, `an object`, `undefined`). */
export function describeValue(value: unknown): string {
  if (value === '') {
    return 'an empty string'
  }
  if (value === null || value === undefined) {
    return String(value)
  }
  if (typeof value === 'function') {
    return 'a function'
  }
  if (typeof value === 'object') {
    const name = Object.getPrototypeOf(value)?.constructor?.name
    return name && name !== 'Object' ? `a ${name}` : 'an object'
  }
  const text = String(value)
  return `a ${typeof value} (${text.length > 40 ? `${text.slice(0, 37)}...` : text})`
}
