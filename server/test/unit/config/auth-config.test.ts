/** The sign-in options of the config: local passwords (and the LDAP directory). */
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../src/config/index.js';

/** The problems a config with `env` is refused for. */
function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return expect.fail('expected a ConfigError');
}

describe('config: AUTH_LOCAL_PASSWORDS', () => {
  it('is on by default, and reads on and off', () => {
    expect(loadConfig({}).localPasswords).to.equal(true);
    expect(loadConfig({ AUTH_LOCAL_PASSWORDS: 'off' }).localPasswords).to.equal(false);
    expect(loadConfig({ AUTH_LOCAL_PASSWORDS: 'on' }).localPasswords).to.equal(true);
  });

  it('refuses anything else, naming the variable', () => {
    expect(problemsOf({ AUTH_LOCAL_PASSWORDS: 'sometimes' }).join('\n')).to.match(/AUTH_LOCAL_PASSWORDS/);
  });
});
