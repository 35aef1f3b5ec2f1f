// vitest globalSetup: the tests spawn bin/dhm.js (dhm-process.ts), which runs the dist/ bundle, as users
// do, only while it is fresh. Rebuilding a stale one here makes every spawned dhm test the current
// sources through the bundle instead of falling back to tsx (slower, and not what users run).
import { build, isFresh } from '../../scripts/build.js'

export default async function setup(): Promise<void> {
  if (!isFresh()) await build()
}
