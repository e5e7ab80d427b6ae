// Added to `setupFiles` by mpPlugin(): makes `describe.mpGroup` work for files that import `describe` from 'vitest'.
import { describe } from 'vitest'
import { attachMpGroup } from './groups.js'

attachMpGroup(describe)
