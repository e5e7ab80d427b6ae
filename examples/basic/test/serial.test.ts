import { describe, expect, test } from 'vitest-pool-mp/runtime'

// A serial group: one fresh worker runs these in order, so module state carries over.
let steps: string[] = []

describe.mpGroup('Checkout', 'serial', () => {
  test('adds to cart', () => {
    steps.push('cart')
    expect(steps).toEqual(['cart'])
  })
  test('pays', () => {
    steps.push('pay')
    expect(steps).toEqual(['cart', 'pay'])
  })
})
