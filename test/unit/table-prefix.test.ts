import { describe, expect, it } from 'vitest'
import {
  findTablePrefixes,
  prefixTables,
  siteTables,
  type TablePrefix,
  tableRef,
} from '../../src/extract/table-prefix.js'

describe('prefixTables: braced table names become the real, quoted ones', () => {
  it.each<{ name: string; sql: string; prefix: TablePrefix | undefined; expected: string }>([
    {
      name: 'no prefix',
      sql: 'SELECT nid FROM {node} n',
      prefix: undefined,
      expected: 'SELECT nid FROM `node` n',
    },
    {
      name: 'a string prefix',
      sql: 'SELECT 1 FROM {node} n JOIN {url_alias} a ON 1',
      prefix: 'drupal_',
      expected: 'SELECT 1 FROM `drupal_node` n JOIN `drupal_url_alias` a ON 1',
    },
    {
      name: 'per table, with a default',
      sql: 'SELECT 1 FROM {users} u JOIN {node} n',
      prefix: { default: 'site2_', users: 'shared_' },
      expected: 'SELECT 1 FROM `shared_users` u JOIN `site2_node` n',
    },
    {
      name: 'per table, without a default',
      sql: 'SELECT 1 FROM {users}, {node}',
      prefix: { users: 'shared_' },
      expected: 'SELECT 1 FROM `shared_users`, `node`',
    },
    {
      name: 'a placeholder and a literal are left alone',
      sql: "SELECT 1 FROM {node} WHERE type IN (?) AND title = 'x'",
      prefix: 'p_',
      expected: "SELECT 1 FROM `p_node` WHERE type IN (?) AND title = 'x'",
    },
  ])('$name', ({ sql, prefix, expected }) => {
    expect(prefixTables(sql, prefix)).toBe(expected)
  })

  it('tableRef refuses what is not a Drupal table name', () => {
    expect(tableRef('field_data_body')).toBe('{field_data_body}')
    expect(() => tableRef('x`; DROP')).toThrow(/not a Drupal table name/)
  })
})

describe('siteTables and findTablePrefixes', () => {
  const shared = [
    'drupal_node',
    'drupal_node_revision',
    'drupal_field_config',
    'drupal_system',
    'drupal_field_data_body',
    'site2_node',
    'site2_node_revision',
    'site2_field_config',
    'site2_system',
    'site2_users',
    'shared_users',
    'watchdog',
  ]

  it('finds each site that has node, node_revision, field_config and system under one prefix', () => {
    expect(findTablePrefixes(shared)).toEqual(['drupal_', 'site2_'])
    expect(findTablePrefixes(['node', 'node_revision', 'field_config', 'system', 'x_node'])).toEqual([''])
    // site2_node_revision does not make a site "site2_node_": it lacks site2_node_field_config.
    expect(findTablePrefixes(['site2_node_revision', 'site2_node_revision_revision'])).toEqual([])
  })

  it("maps Drupal's names of one site's tables to the real ones, leaving other sites out", () => {
    expect([...siteTables(shared, 'drupal_')]).toEqual([
      ['node', 'drupal_node'],
      ['node_revision', 'drupal_node_revision'],
      ['field_config', 'drupal_field_config'],
      ['system', 'drupal_system'],
      ['field_data_body', 'drupal_field_data_body'],
    ])
    const site2 = siteTables(shared, { default: 'site2_', users: 'shared_' })
    expect(site2.get('users')).toBe('shared_users')
    expect(site2.get('node')).toBe('site2_node')
    expect(site2.has('drupal_node')).toBe(false)
  })
})
