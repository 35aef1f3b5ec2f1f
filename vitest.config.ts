import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Rebuilds dist/ when src/ is newer, so spawned `dhm` processes run the current sources, bundled.
    globalSetup: ['test/helpers/build-cli.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Integration files each use their own databases; two workers match the 2-core CI machine.
    maxWorkers: 2,
  },
})
