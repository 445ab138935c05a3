/**
 * The deployment files as shipped: the systemd unit, its example env file and the compose file
 * must hold settings Gitpad accepts, and the nginx limits must match Gitpad's own. The compose
 * file cannot be run here (no Docker daemon or compose plugin): its YAML and settings are checked.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import yaml from 'js-yaml';
import { DEFAULTS, loadConfig } from '../../src/config/index.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), 'utf8');

/** `KEY=value` lines of an env file, comments and blanks left out. */
function envFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

/** The unit's `Environment=KEY=value` settings. */
function unitEnvironment(unit: string): Record<string, string> {
  return envFile(
    unit
      .split('\n')
      .filter((l) => l.startsWith('Environment='))
      .map((l) => l.slice('Environment='.length))
      .join('\n'),
  );
}

/** nginx sizes (`8m`, `1g`, `512k`, bytes) in bytes. */
function nginxSize(v: string): number {
  const m = /^(\d+)([kmg]?)$/i.exec(v);
  if (!m) throw new Error(`not an nginx size: ${v}`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * unit;
}

describe('deploy/gitpad.service', () => {
  const unit = read('deploy/gitpad.service');

  it('passes systemd-analyze verify without a complaint', function () {
    const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
    if (probe.error) {
      console.warn('    SKIPPED: systemd-analyze is not installed');
      this.skip();
    }
    // verify also wants ExecStart's program to exist: point it at this machine's node (CI images
    // keep it elsewhere than Debian's /usr/bin/node); everything else is checked as shipped.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-unit-'));
    const copy = path.join(dir, 'gitpad.service');
    fs.writeFileSync(copy, unit.replace(/^ExecStart=\/usr\/bin\/node /m, `ExecStart=${process.execPath} `));
    const r = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8', timeout: 30_000 });
    fs.rmSync(dir, { recursive: true, force: true });
    // verify exits 0 on unknown keys and bad values too: what it printed is the verdict.
    const complaints = `${r.stdout}${r.stderr}`
      .split('\n')
      .filter((l) => l.includes('gitpad.service'))
      .join('\n');
    expect(complaints).to.equal('');
  });

  it('its environment and the example env file pass Gitpad’s config validation', () => {
    const env = { ...unitEnvironment(unit), ...envFile(read('deploy/gitpad.env.example')) };
    expect(env).to.include({ TRUST_PROXY: 'true', HOST: '127.0.0.1' });
    const config = loadConfig(env, '/opt/gitpad');
    expect(config.dataDir).to.equal('/var/lib/gitpad/data');
    expect(config.trustProxy).to.equal(true);
  });

  it('starts the entry point the build writes and `npm run serve` runs', () => {
    const exec = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? '';
    const serve = JSON.parse(read('package.json')).scripts.serve as string;
    const entry = /\S+main\.js/.exec(serve)![0];
    expect(exec).to.include(`/opt/gitpad/${entry}`);
    expect(unit).to.match(/^ReadWritePaths=\/var\/lib\/gitpad$/m);
  });
});

describe('deploy/nginx-gitpad.conf limits', () => {
  const conf = read('deploy/nginx-gitpad.conf').replace(/#.*$/gm, '');
  const sizes = [...conf.matchAll(/client_max_body_size (\S+);/g)].map((m) => nginxSize(m[1]!));

  it('lets through the largest JSON body and socket message Gitpad accepts', () => {
    expect(sizes[0]).to.equal(DEFAULTS.maxBodyBytes);
    expect(sizes).to.include(DEFAULTS.maxSocketMessageBytes);
  });

  it('streams git without buffering and upgrades websockets', () => {
    const git = /location \/git\/ \{([^}]*)\}/.exec(conf)?.[1] ?? '';
    expect(git)
      .to.match(/proxy_buffering off;/)
      .and.match(/proxy_request_buffering off;/);
    expect(conf).to.match(/proxy_set_header Upgrade \$http_upgrade;/);
    expect(conf).to.match(/proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;/);
  });
});

describe('docker-compose.yml (syntax and settings only: Docker cannot run here)', () => {
  const compose = yaml.load(read('docker-compose.yml')) as {
    services: Record<
      string,
      {
        environment?: Record<string, string>;
        depends_on?: Record<string, unknown>;
        volumes?: string[];
        build?: string;
      }
    >;
    volumes: Record<string, unknown>;
  };

  it('is YAML with Gitpad, MongoDB and Redis services', () => {
    expect(Object.keys(compose.services)).to.have.members(['gitpad', 'mongo', 'redis']);
    expect(Object.keys(compose.services.gitpad!.depends_on ?? {})).to.have.members(['mongo', 'redis']);
    expect(fs.existsSync(path.join(ROOT, compose.services.gitpad!.build ?? '', 'Dockerfile'))).to.equal(true);
  });

  it('gives Gitpad settings its config accepts, pointing at the other services', () => {
    const env = compose.services.gitpad!.environment!;
    const config = loadConfig(env, '/app');
    expect(new URL(config.mongodbUrl!).hostname).to.equal('mongo');
    expect(new URL(config.redisUrl!).hostname).to.equal('redis');
  });

  it('declares every named volume it mounts', () => {
    for (const service of Object.values(compose.services))
      for (const mount of service.volumes ?? []) {
        const source = mount.split(':')[0]!;
        if (!source.startsWith('.') && !source.startsWith('/'))
          expect(compose.volumes, `volume ${source}`).to.have.property(source);
      }
  });
});
