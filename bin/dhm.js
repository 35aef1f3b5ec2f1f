#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx: no build step, so `npm ci` is all a clone needs.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli/index.ts')
