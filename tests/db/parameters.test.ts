import { describe, expect, it } from 'vitest';
import { PositionalCache, toPositional } from '../../src/db/parameters.ts';

describe('named parameters in PostgreSQL form', () => {
  it('numbers the names in order of first use, the same number each time a name comes back', () => {
    expect(toPositional('SELECT * FROM t WHERE a = @a AND b > @b OR a2 = @a')).toEqual({
      text: 'SELECT * FROM t WHERE a = $1 AND b > $2 OR a2 = $1',
      names: ['a', 'b'],
    });
  });

  it('takes names with digits and underscores, and stops at a cast', () => {
    expect(toPositional('UPDATE t SET x = @new_value1::bigint, y = (@y)::text')).toEqual({
      text: 'UPDATE t SET x = $1::bigint, y = ($2)::text',
      names: ['new_value1', 'y'],
    });
  });

  it('leaves alone an @ in a string, a quoted name, a comment or a dollar-quoted body', () => {
    const text = [
      "SELECT 'a@b.org', 'it''s @x', \"@col\"",
      '-- @comment',
      '/* @block */',
      '$$ @dollar $$, $tag$ @tagged $tag$',
      'FROM t WHERE e = @e',
    ].join('\n');
    const { text: out, names } = toPositional(text);
    expect(names).toEqual(['e']);
    expect(out).toBe(text.replace('@e', '$1'));
  });

  it('leaves alone an @ that starts no name (an operator such as @>)', () => {
    expect(toPositional("SELECT '{1,2}'::int[] @> ARRAY[@one], @ -5")).toEqual({
      text: "SELECT '{1,2}'::int[] @> ARRAY[$1], @ -5",
      names: ['one'],
    });
  });

  it('gives a statement without names back as it is', () => {
    expect(toPositional('SELECT 1')).toEqual({ text: 'SELECT 1', names: [] });
  });

  it('rewrites a statement once, however often it comes', () => {
    const cache = new PositionalCache();
    const first = cache.of('SELECT @a');
    expect(cache.of('SELECT @a')).toBe(first);
    expect(cache.of('SELECT @b')).not.toBe(first);
  });
});
