import { expect } from 'chai';
import { ConfigError, DEFAULTS, loadConfig } from '../../../src/config/index.js';

describe('config: logs and metrics', () => {
  it('logs text and serves no metrics by default', () => {
    const c = loadConfig({}, '/');
    expect(c.logFormat).to.equal('text').and.equal(DEFAULTS.logFormat);
    expect(c.metricsToken).to.equal(undefined);
  });

  it('reads LOG_FORMAT and METRICS_TOKEN', () => {
    const c = loadConfig({ LOG_FORMAT: 'json', METRICS_TOKEN: 'a'.repeat(16) }, '/');
    expect(c).to.include({ logFormat: 'json', metricsToken: 'a'.repeat(16) });
  });

  it('refuses an unknown log format and a short or spaced metrics token, naming each', () => {
    for (const [env, problem] of [
      [{ LOG_FORMAT: 'xml' }, /LOG_FORMAT must be one of text, json/],
      [{ METRICS_TOKEN: 'short' }, /METRICS_TOKEN must be at least 16/],
      [{ METRICS_TOKEN: 'has a space in it, long enough' }, /METRICS_TOKEN/],
    ] as const) {
      let err: unknown;
      try {
        loadConfig(env, '/');
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(env)).to.be.instanceOf(ConfigError);
      expect((err as ConfigError).problems.join('\n')).to.match(problem);
    }
  });
});

describe('config: the default commit e-mail domain', () => {
  it('is GIT_EMAIL_DOMAIN, else the host of PUBLIC_URL, else this machine’s host name', () => {
    expect(
      loadConfig({ GIT_EMAIL_DOMAIN: 'Team.LAN', PUBLIC_URL: 'https://x.lan' }, '/').gitEmailDomain,
    ).to.equal('team.lan');
    expect(loadConfig({ PUBLIC_URL: 'https://gitpad.example.lan:3000' }, '/').gitEmailDomain).to.equal(
      'gitpad.example.lan',
    );
    const fromHost = loadConfig({}, '/').gitEmailDomain;
    expect(fromHost).to.match(/^[a-z0-9.-]+$/);
    // Stable: the same on every start.
    expect(loadConfig({}, '/').gitEmailDomain).to.equal(fromHost);
  });

  it('refuses a domain an e-mail cannot have', () => {
    for (const bad of ['team lan', 'a@b', '-x.lan', 'x..lan']) {
      expect(() => loadConfig({ GIT_EMAIL_DOMAIN: bad }, '/'), bad).to.throw(ConfigError, /GIT_EMAIL_DOMAIN/);
    }
  });
});
