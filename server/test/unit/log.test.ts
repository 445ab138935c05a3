import { expect } from 'chai';
import { createLogger, withLogFields } from '../../src/log/index.js';

describe('logger', () => {
  it('writes one JSON object per line with time, level and msg first, and errors as objects', () => {
    const lines: string[] = [];
    const log = createLogger('info', { format: 'json', write: (l) => lines.push(l) });
    log.debug('hidden');
    log.warn('it broke', { err: new Error('boom'), msg: 'not the message', n: 1 });
    expect(lines).to.have.length(1);
    expect(lines[0]!.endsWith('\n')).to.equal(true);
    const entry = JSON.parse(lines[0]!);
    expect(Object.keys(entry).slice(0, 3)).to.deep.equal(['time', 'level', 'msg']);
    expect(entry).to.include({ level: 'warn', msg: 'it broke', n: 1 });
    expect(entry.err).to.include({ name: 'Error', message: 'boom' });
  });

  it('adds bound fields to every line logged within, across awaits and timers', async () => {
    const lines: string[] = [];
    const log = createLogger('debug', { format: 'json', write: (l) => lines.push(l) });
    await withLogFields({ requestId: 'r1' }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      log.info('inside');
      await withLogFields({ step: 2 }, async () => log.info('nested'));
    });
    log.info('outside');
    const entries = lines.map((l) => JSON.parse(l));
    expect(entries[0]).to.include({ msg: 'inside', requestId: 'r1' });
    expect(entries[1]).to.include({ msg: 'nested', requestId: 'r1', step: 2 });
    expect(entries[2].requestId).to.equal(undefined);
  });

  it('writes text lines with the bound fields too', () => {
    const lines: string[] = [];
    const log = createLogger('info', { write: (l) => lines.push(l) });
    withLogFields({ requestId: 'r2' }, () => log.info('hello'));
    expect(lines[0]).to.match(/^\S+Z INFO {2}hello \{"requestId":"r2"\}\n$/);
  });
});
