import { defineConfig } from 'prisma/config'

// DATABASE_URL may be unset during `npm ci` (client generation needs no database).
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/dhm' },
})
