import { expect } from 'chai';
import { pathClash } from '../../../src/protocol/paths.js';
import { PathIndex } from '../../../src/sessions/paths.js';

describe('PathIndex (the clash rule for many paths at once)', () => {
  it('agrees with pathClash on whether a path clashes, over many random trees', () => {
    const names = ['a', 'A', 'b', 'src', 'Src', 'lib', 'x.js', 'X.js'];
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const randomPath = () => Array.from({ length: 1 + rand(3) }, () => names[rand(names.length)]!).join('/');
    for (let round = 0; round < 300; round++) {
      // A valid session: paths added one by one only when free.
      const existing: string[] = [];
      for (let i = 0; i < 6; i++) {
        const p = randomPath();
        if (existing.every((e) => pathClash(p, e) === null)) existing.push(p);
      }
      const index = new PathIndex(existing);
      for (let q = 0; q < 20; q++) {
        const p = randomPath();
        const slow = existing.some((e) => pathClash(p, e) !== null);
        expect(index.clash(p) !== null, `${p} against ${JSON.stringify(existing)}`).to.equal(slow);
      }
    }
  });
});
