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

describe('config: rate limits', () => {
  it('defaults to the limits the server had built in', () => {
    const c = loadConfig({});
    expect(c).to.include({
      opRatePerSecond: 400,
      opRateBurst: 2000,
      authRatePerMinute: 20,
      authRateBurst: 20,
      chatRatePerSecond: 1,
      chatRateBurst: 10,
      loginFreeFailures: 5,
      loginBackoffMs: 1000,
      loginBackoffMaxMs: 300_000,
      loginFailuresPerMinute: 60,
      loginFailuresBurst: 100,
    });
  });

  it('reads every rate variable, fractions allowed for rates and 0 meaning no limit', () => {
    const c = loadConfig({
      OP_RATE_PER_SECOND: '0',
      OP_RATE_BURST: '50',
      AUTH_RATE_PER_MINUTE: '2.5',
      AUTH_RATE_BURST: '3',
      CHAT_RATE_PER_SECOND: '0.5',
      CHAT_RATE_BURST: '4',
      LOGIN_FREE_FAILURES: '0',
      LOGIN_BACKOFF_MS: '0',
      LOGIN_BACKOFF_MAX_MS: '0',
      LOGIN_FAILURES_PER_MINUTE: '0',
      LOGIN_FAILURES_BURST: '7',
    });
    expect(c).to.include({
      opRatePerSecond: 0,
      opRateBurst: 50,
      authRatePerMinute: 2.5,
      authRateBurst: 3,
      chatRatePerSecond: 0.5,
      chatRateBurst: 4,
      loginFreeFailures: 0,
      loginBackoffMs: 0,
      loginBackoffMaxMs: 0,
      loginFailuresPerMinute: 0,
      loginFailuresBurst: 7,
    });
  });

  it('refuses negative, non-numeric and zero-burst values, naming each', () => {
    try {
      loadConfig({
        OP_RATE_PER_SECOND: '-1',
        OP_RATE_BURST: '0',
        AUTH_RATE_PER_MINUTE: 'lots',
        CHAT_RATE_PER_SECOND: '1e3',
        CHAT_RATE_BURST: '2.5',
      });
      expect.fail('should throw');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      for (const name of [
        'OP_RATE_PER_SECOND',
        'OP_RATE_BURST',
        'AUTH_RATE_PER_MINUTE',
        'CHAT_RATE_PER_SECOND',
        'CHAT_RATE_BURST',
      ])
        expect(problems).to.include(name);
    }
  });

  it('refuses a backoff ceiling below the first backoff', () => {
    expect(() => loadConfig({ LOGIN_BACKOFF_MS: '5000', LOGIN_BACKOFF_MAX_MS: '1000' })).to.throw(
      ConfigError,
      /LOGIN_BACKOFF_MAX_MS/,
    );
  });
});
