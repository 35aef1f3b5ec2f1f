import type { PrismaClient } from '../generated/prisma/client.js'
import type { RunCounts } from '../report/run-stats.js'

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'interrupted'

/** Record the start of a run in migration_run (the history `dhm status` shows). */
export async function startRun(
  prisma: PrismaClient,
  site: string,
  command: string,
  params: Record<string, unknown>,
): Promise<number> {
  const run = await prisma.migrationRun.create({
    data: { site, command, status: 'running', params: params as object },
    select: { id: true },
  })
  return run.id
}

export async function finishRun(
  prisma: PrismaClient,
  id: number,
  status: RunStatus,
  counts: RunCounts,
  extra: { highWaterMark?: number | null; error?: string } = {},
): Promise<void> {
  await prisma.migrationRun.update({
    where: { id },
    data: {
      status,
      finishedAt: new Date(),
      counts: { ...counts, ...(extra.error ? { error: extra.error } : {}) },
      ...(extra.highWaterMark !== undefined ? { highWaterMark: extra.highWaterMark } : {}),
    },
  })
}
