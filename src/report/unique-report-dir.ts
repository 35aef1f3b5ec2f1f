import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * `<root>/<timestamp>-<command>`, like createReportDir, but never an existing folder: a second run
 * in the same second gets `-2`, `-3`… (which still sorts after the first, so `report --last` finds it).
 */
export async function createUniqueReportDir(root: string, command: string, at = new Date()): Promise<string> {
  await mkdir(root, { recursive: true })
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  for (let n = 1; ; n++) {
    const dir = join(root, `${stamp}-${command}${n > 1 ? `-${n}` : ''}`)
    try {
      await mkdir(dir)
      return dir
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error
    }
  }
}
