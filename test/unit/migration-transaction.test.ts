import { describe, expect, it } from 'vitest'
import { canRunInTransaction } from '../../src/load/schema-migrations.js'

// A migration applied atomically (bookkeeping row + script in one transaction) unless it controls
// transactions itself; a plpgsql body's BEGIN … END is not transaction control.
describe('canRunInTransaction', () => {
  it.each([
    { name: 'plain DDL', sql: 'CREATE TABLE a (id int);', expected: true },
    { name: 'its own BEGIN/COMMIT', sql: 'BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;', expected: false },
    { name: 'CREATE INDEX CONCURRENTLY', sql: 'CREATE INDEX CONCURRENTLY i ON a (id);', expected: false },
    {
      name: 'a plpgsql function (BEGIN inside $$)',
      sql: 'CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN NULL;\nEND $$;',
      expected: true,
    },
    {
      name: 'a tagged dollar quote',
      sql: 'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END $body$;',
      expected: true,
    },
    {
      name: 'COMMIT outside the function body',
      sql: 'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\nCOMMIT;',
      expected: false,
    },
  ])('$name', ({ sql, expected }) => {
    expect(canRunInTransaction(sql)).toBe(expected)
  })
})
