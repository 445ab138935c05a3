import path from 'node:path';
import { expect } from 'chai';
import { ConfigError, DEFAULTS, loadConfig } from '../../../src/config/index.js';

describe('config', () => {
  it('uses the documented defaults when the environment is empty', () => {
    const c = loadConfig({}, '/srv/gitpad');
    expect(c.port).to.equal(3000);
    expect(c.host).to.equal('0.0.0.0');
    expect(c.dataDir).to.equal(path.resolve('/srv/gitpad', 'data'));
    expect(c.reposDir).to.equal(path.resolve('/srv/gitpad', 'repos'));
    expect(c.jwtSecret).to.equal(undefined);
    expect(c.maxFileChars).to.equal(DEFAULTS.maxFileChars);
    expect(c.maxFileChars).to.be.at.least(1024 * 1024);
  });

  it('reads every variable it documents', () => {
    const c = loadConfig(
      {
        PORT: '8080',
        HOST: '127.0.0.1',
        DATA_DIR: '/d',
        REPOS_DIR: '/r',
        LOG_LEVEL: 'warn',
        JWT_SECRET: 'x'.repeat(40),
      },
      '/',
    );
    expect(c).to.include({ port: 8080, host: '127.0.0.1', dataDir: '/d', reposDir: '/r', logLevel: 'warn' });
    expect(c.jwtSecret).to.have.length(40);
  });

  it('lists every bad value at once', () => {
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', JWT_SECRET: 'short', MONGODB_URL: 'http://x' });
      expect.fail('should throw');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems)
        .to.match(/PORT/)
        .and.match(/LOG_LEVEL/)
        .and.match(/JWT_SECRET/)
        .and.match(/MONGODB_URL/);
    }
  });

  it('refuses REDIS_URL without MONGODB_URL: the embedded store is one process', () => {
    expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' })).to.throw(ConfigError, /MONGODB_URL/);
    expect(loadConfig({ REDIS_URL: 'redis://x', MONGODB_URL: 'mongodb://x' }).redisUrl).to.equal('redis://x');
  });

  it('refuses a socket message cap too small for the largest file', () => {
    expect(() => loadConfig({ MAX_FILE_CHARS: '2000000', MAX_SOCKET_MESSAGE_BYTES: '1000000' })).to.throw(
      ConfigError,
      /MAX_SOCKET_MESSAGE_BYTES/,
    );
  });
});
