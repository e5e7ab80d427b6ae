import { describe, expect, test } from 'vitest-pool-mp/runtime'

// `serial`: the whole group runs in one fresh worker, in file order, so state carries over
// from one test to the next. Other groups may run in other workers meanwhile.
const cart: string[] = []

describe.mpGroup('Checkout', 'serial', () => {
  test('adds to the cart', () => {
    cart.push('book')
    expect(cart).toEqual(['book'])
  })

  test('pays for what is in the cart', () => {
    expect(cart).toEqual(['book'])
    cart.length = 0
  })
})
