import { describe, expect, test } from 'vitest-pool-mp/runtime'

// `free`: every test in its own fresh worker process, in parallel with anything.
// Module state is never shared: each process evaluates this file anew.
let parsed = 0

describe.mpGroup('Parsing', 'free', () => {
  test('reads numbers', () => {
    parsed++
    expect(Number.parseInt('42', 10)).toBe(42)
    expect(parsed).toBe(1)
  })

  test('reads booleans', () => {
    parsed++
    expect(JSON.parse('true')).toBe(true)
    expect(parsed).toBe(1)
  })
})

// Tests outside any group are free too.
test('ungrouped tests are free', () => {
  expect(['1', '2']).toContain(process.env.VITEST_POOL_ID)
})
