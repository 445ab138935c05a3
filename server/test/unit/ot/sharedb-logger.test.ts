import { expect } from 'chai';
import ShareDB from 'sharedb';
import { createLogger } from '../../../src/log/index.js';
import { attachShareDBLogger } from '../../../src/ot/sharedb-logger.js';

describe("ShareDB's process-wide logger", () => {
  it("reaches the logger of every server running in the process, and no longer a closed one's", () => {
    const a: string[] = [];
    const b: string[] = [];
    const detachA = attachShareDBLogger(createLogger('debug', { format: 'json', write: (l) => a.push(l) }));
    const detachB = attachShareDBLogger(createLogger('debug', { format: 'json', write: (l) => b.push(l) }));
    try {
      ShareDB.logger.warn('first');
      detachA();
      ShareDB.logger.warn('second');
      ShareDB.logger.info('third');
    } finally {
      detachA();
      detachB();
    }
    const msgs = (lines: string[]) => lines.map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(msgs(a)).to.deep.equal([{ ...msgs(a)[0], level: 'warn', msg: 'sharedb: first' }]);
    expect(msgs(b).map((m) => [m.level, m.msg])).to.deep.equal([
      ['warn', 'sharedb: first'],
      ['warn', 'sharedb: second'],
      ['debug', 'sharedb: third'],
    ]);
  });
});
