import { describe, expect, it } from 'vitest';
import { freshPrefix, storeAt } from './helpers.js';

const asNumber = (raw: unknown): number => raw as number;

describe('key ranges (real etcd)', () => {
  it('lists, counts, pages from either end and deletes a range of keys, nothing outside it', async () => {
    const store = storeAt(freshPrefix());
    try {
      const base = `${store.layout.root}r/`;
      for (const k of ['a', 'b', 'c', 'd', 'e']) await store.put(`${base}${k}`, k.charCodeAt(0));
      await store.put(`${store.layout.root}s`, 0);
      const range = { from: `${base}b`, to: `${base}e` };

      const all = await store.listRange(range, asNumber);
      expect(all.items.map((i) => i.key.slice(base.length))).toEqual(['b', 'c', 'd']);
      expect(all.items.map((i) => i.value)).toEqual([98, 99, 100]);
      expect(all.more).toBe(false);

      const newest = await store.listRange(range, asNumber, { limit: 2, descend: true });
      expect(newest.items.map((i) => i.key.slice(base.length))).toEqual(['d', 'c']);
      expect(newest.more).toBe(true);

      expect(await store.countRange(range)).toBe(3);
      expect(await store.keysInRange({ from: base, to: `${base}\u00ff` }, 2)).toEqual([
        `${base}a`,
        `${base}b`,
      ]);

      expect(await store.deleteRange(range)).toBe(3);
      const left = await store.list(store.layout.root, asNumber);
      expect(left.items.map((i) => i.key.slice(store.layout.root.length))).toEqual(['r/a', 'r/e', 's']);
    } finally {
      await store.deletePrefix(store.layout.root);
      store.close();
    }
  });
});
