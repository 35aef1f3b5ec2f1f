import { z } from 'zod'
import { BodyHtmlOptionsSchema } from './body-html-options.js'

/*
 * The words a mapping's `using:` may say: every transform's name, and the argument schema of those
 * written `{ name: arg }`. compileMapping checks a mapping against this; the implementations are
 * transform/registry.ts (test/unit/layers.test.ts checks that the two list the same transforms
 * with the same arguments).
 */

/** The argument of each transform that takes one. */
export const TRANSFORM_ARGS = {
  'body-html': BodyHtmlOptionsSchema,
  join: z.string(),
  split: z.string().min(1),
  'static-map': z.record(z.string(), z.unknown()),
  truncate: z.number().int().positive(),
} as const satisfies Readonly<Record<string, z.ZodType>>

/** Transforms written as a bare name. */
const WITHOUT_ARGUMENT = [
  'attachment',
  'boolean',
  'compact',
  'date',
  'date-field',
  'empty-to-null',
  'file',
  'first',
  'image',
  'int',
  'last',
  'link',
  'list-label',
  'node-ref',
  'repair-encoding',
  'strip-html',
  'term-name',
  'terms',
  'text-with-summary',
  'timestamp',
  'trim',
  'user-ref',
  'zero-to-null',
] as const

/** Every transform name, sorted: for error messages and the mapping's JSON schema. */
export const TRANSFORM_NAMES: readonly string[] = [...WITHOUT_ARGUMENT, ...Object.keys(TRANSFORM_ARGS)].sort()

/** A transform's argument schema; null when it takes none; undefined when there is no such transform. */
export function transformArgument(name: string): z.ZodType | null | undefined {
  if (Object.hasOwn(TRANSFORM_ARGS, name)) return TRANSFORM_ARGS[name as keyof typeof TRANSFORM_ARGS]
  return (WITHOUT_ARGUMENT as readonly string[]).includes(name) ? null : undefined
}
