import { describe, expect, test } from 'vitest-pool-mp/runtime'

describe.mpGroup('Parsing', 'free', () => {
  test('reads numbers', () => {
    expect(Number.parseInt('42', 10)).toBe(42)
  })
  test('reads booleans', () => {
    expect(JSON.parse('true')).toBe(true)
  })
})

test('ungrouped tests are free', () => {
  expect(process.env.VITEST_POOL_ID).toBeDefined()
})
