import { appendFileSync } from 'node:fs'
import { describe, expect, mpGroup, test } from 'vitest-pool-mp/runtime'

/** Tells the packed-install test which process ran which test. */
function note(name: string): void {
  appendFileSync(process.env.MP_PACKED_RECORDS!, `${JSON.stringify({ name, pid: process.pid })}\n`)
}

const steps: string[] = []

describe.mpGroup('Checkout', 'serial', () => {
  test('serial 1', () => {
    steps.push('cart')
    note('serial 1')
  })
  test('serial 2', () => {
    steps.push('pay')
    expect(steps).toEqual(['cart', 'pay'])
    note('serial 2')
  })
})

describe.mpGroup('Parsing', 'free', () => {
  test('free 1', () => {
    expect(Number.parseInt('42', 10)).toBe(42)
    note('free 1')
  })
  test('free 2', () => {
    expect(steps).toEqual([])
    note('free 2')
  })
})

// Other test options go in mpGroup's last argument, merged with the group's meta.
test('free 3', mpGroup('Parsing', { timeout: 10_000, meta: {} }), () => {
  note('free 3')
})
