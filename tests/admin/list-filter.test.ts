// The console's subscriber filter from a query string (the list and the CSV export share it).
import { describe, expect, it } from 'vitest';
import { listFilterOf } from '../../src/admin/list-filter';

describe('listFilterOf', () => {
  it('keeps a real status, topic and sequence/step', () => {
    expect(listFilterOf({ status: 'paused', topic: 'newsletter', step: 'sciatica-series/welcome' })).toEqual({
      status: 'paused',
      topic: 'newsletter',
      step: 'sciatica-series/welcome',
    });
  });

  it('filters nothing on an unknown, empty or repeated value', () => {
    expect(listFilterOf({ status: 'deleted', topic: 'gardening', step: 'no slash' })).toEqual({});
    expect(listFilterOf({ status: '', topic: '', step: '' })).toEqual({});
    expect(listFilterOf({ status: ['active', 'paused'], step: ['a/b', 'c/d'] })).toEqual({});
    expect(listFilterOf({})).toEqual({});
  });
});
