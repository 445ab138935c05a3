import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../src/config/index.js';

/** The problems `loadConfig` lists for `env`, or [] when it accepts it. */
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, '/');
    return [];
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
}

describe('config: OpenID Connect', () => {
  it('is off when no OIDC_* variable is set', () => {
    expect(loadConfig({}, '/').oidc).to.equal(null);
  });

  it('needs only the issuer and client id, with documented defaults for the rest', () => {
    const c = loadConfig({ OIDC_ISSUER: 'https://id.example.com/realms/lan', OIDC_CLIENT_ID: 'gitpad' }, '/');
    expect(c.oidc).to.deep.equal({
      issuer: 'https://id.example.com/realms/lan',
      clientId: 'gitpad',
      clientSecret: undefined,
      redirectUrl: undefined,
      scopes: 'openid profile email',
      usernameClaim: 'preferred_username',
      buttonLabel: 'single sign-on',
      discoveryTimeoutMs: 5000,
    });
  });

  it('reads every OIDC_* variable', () => {
    const c = loadConfig(
      {
        OIDC_ISSUER: 'http://keycloak.lan:8080/realms/team',
        OIDC_CLIENT_ID: 'gitpad',
        OIDC_CLIENT_SECRET: 's3cret value',
        OIDC_REDIRECT_URL: 'https://gitpad.lan/api/auth/oidc/callback',
        OIDC_SCOPES: 'openid  email groups',
        OIDC_USERNAME_CLAIM: 'email',
        OIDC_BUTTON_LABEL: 'Keycloak',
        OIDC_DISCOVERY_TIMEOUT_MS: '2000',
      },
      '/',
    );
    expect(c.oidc).to.include({
      clientSecret: 's3cret value',
      redirectUrl: 'https://gitpad.lan/api/auth/oidc/callback',
      scopes: 'openid email groups',
      usernameClaim: 'email',
      buttonLabel: 'Keycloak',
      discoveryTimeoutMs: 2000,
    });
  });

  it('refuses to start on an incomplete or wrong combination, saying which', () => {
    expect(problems({ OIDC_CLIENT_ID: 'gitpad' }).join('\n')).to.match(/OIDC_ISSUER and OIDC_CLIENT_ID/);
    expect(problems({ OIDC_CLIENT_SECRET: 'x', OIDC_BUTTON_LABEL: 'SSO' }).join('\n')).to.match(
      /OIDC_CLIENT_SECRET, OIDC_BUTTON_LABEL are set/,
    );
    const base = { OIDC_ISSUER: 'https://id.example.com', OIDC_CLIENT_ID: 'gitpad' };
    expect(problems({ ...base, OIDC_ISSUER: 'id.example.com' }).join()).to.match(/OIDC_ISSUER must be/);
    expect(problems({ ...base, OIDC_ISSUER: 'ftp://id.example.com' }).join()).to.match(/OIDC_ISSUER must be/);
    expect(problems({ ...base, OIDC_SCOPES: 'profile email' }).join()).to.match(/must include openid/);
    expect(problems({ ...base, OIDC_REDIRECT_URL: 'https://gitpad.lan/callback' }).join()).to.match(
      /must end in \/api\/auth\/oidc\/callback/,
    );
    expect(
      problems({ ...base, OIDC_REDIRECT_URL: 'https://gitpad.lan/api/auth/oidc/callback?x=1' }).join(),
    ).to.match(/without query/);
    expect(problems({ ...base, OIDC_USERNAME_CLAIM: 'a claim' }).join()).to.match(/OIDC_USERNAME_CLAIM/);
    expect(problems({ ...base, OIDC_BUTTON_LABEL: 'x'.repeat(65) }).join()).to.match(/OIDC_BUTTON_LABEL/);
    expect(problems({ ...base, OIDC_DISCOVERY_TIMEOUT_MS: '5' }).join()).to.match(
      /OIDC_DISCOVERY_TIMEOUT_MS/,
    );
    expect(problems({ ...base, OIDC_CLIENT_ID: 'has space' }).join()).to.match(/OIDC_CLIENT_ID/);
  });
});
