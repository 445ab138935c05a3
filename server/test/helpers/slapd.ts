/**
 * A real OpenLDAP `slapd` (Debian's package) for the LDAP sign-in tests: its own temporary config
 * (slapd.conf, mdb backend, ppolicy overlay for `pwdAccountLockedTime`), a throwaway CA and server
 * certificate made with `openssl`, listening on 127.0.0.1 with `ldap://` (StartTLS offered) and
 * `ldaps://` on free ports. `stop()` kills it and removes everything.
 *
 * Not installed: `startSlapd` throws saying how to install it, so CI fails loudly instead of
 * skipping (`.ci/run` installs slapd, ldap-utils and openssl).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const LDAP_BASE = 'dc=example,dc=org';
export const LDAP_ROOT_DN = `cn=admin,${LDAP_BASE}`;
export const LDAP_ROOT_PASSWORD = 'root-secret';

export interface Slapd {
  /** `ldap://127.0.0.1:<port>` (plain, StartTLS offered). */
  url: string;
  /** `ldaps://127.0.0.1:<port>`. */
  ldapsUrl: string;
  /** The throwaway CA that signed the server's certificate (PEM file). */
  caFile: string;
  /** Adds entries (LDIF) as the directory's root. */
  ldapadd(ldif: string): Promise<void>;
  /** Changes entries (LDIF with changetype) as the directory's root. */
  ldapmodify(ldif: string): Promise<void>;
  stop(): Promise<void>;
}

const SLAPD_CANDIDATES = ['/usr/sbin/slapd', '/usr/local/sbin/slapd', '/usr/local/libexec/slapd'];
const MODULE_DIRS = ['/usr/lib/ldap', '/usr/lib/x86_64-linux-gnu/ldap', '/usr/lib/aarch64-linux-gnu/ldap'];
const SCHEMA_DIR = '/etc/ldap/schema';

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function which(candidates: string[]): string | undefined {
  return candidates.find((p) => fs.existsSync(p));
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT')
      throw new Error('openssl is needed to make the test certificates: apt-get install openssl');
    throw err;
  }
}

/** A CA and a server certificate for 127.0.0.1 and localhost, signed by it. */
async function makeCertificates(dir: string): Promise<void> {
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=Gitpad test CA',
    ],
    dir,
  );
  await openssl(
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
      '-subj',
      '/CN=127.0.0.1',
    ],
    dir,
  );
  fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      '2',
      '-extfile',
      'san.ext',
    ],
    dir,
  );
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`slapd exited (${child.exitCode}):\n${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`slapd did not listen on ${port} within 10 s:\n${log()}`);
}

/** Starts a fresh slapd with the base entry and `ldif` loaded. */
export async function startSlapd(ldif = ''): Promise<Slapd> {
  const slapd = which(SLAPD_CANDIDATES);
  const moduleDir = which(MODULE_DIRS);
  if (!slapd || !moduleDir || !fs.existsSync(path.join(SCHEMA_DIR, 'inetorgperson.schema'))) {
    throw new Error(
      'The LDAP tests need OpenLDAP: slapd is not installed. Install it with ' +
        '`DEBIAN_FRONTEND=noninteractive apt-get install -y slapd ldap-utils openssl`.',
    );
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-slapd-'));
  fs.mkdirSync(path.join(dir, 'db'));
  await makeCertificates(dir);
  const [port, tlsPort] = [await freePort(), await freePort()];
  const conf = `
include ${SCHEMA_DIR}/core.schema
include ${SCHEMA_DIR}/cosine.schema
include ${SCHEMA_DIR}/inetorgperson.schema
include ${SCHEMA_DIR}/nis.schema
modulepath ${moduleDir}
moduleload back_mdb
moduleload ppolicy
pidfile ${dir}/slapd.pid
TLSCACertificateFile ${dir}/ca.pem
TLSCertificateFile ${dir}/server.pem
TLSCertificateKeyFile ${dir}/server.key
database mdb
maxsize 10485760
suffix "${LDAP_BASE}"
rootdn "${LDAP_ROOT_DN}"
rootpw ${LDAP_ROOT_PASSWORD}
directory ${dir}/db
overlay ppolicy
access to attrs=userPassword by anonymous auth by * none
access to * by users read by * none
`;
  fs.writeFileSync(path.join(dir, 'slapd.conf'), conf);
  let output = '';
  const child = spawn(
    slapd,
    [
      '-f',
      path.join(dir, 'slapd.conf'),
      '-h',
      `ldap://127.0.0.1:${port}/ ldaps://127.0.0.1:${tlsPort}/`,
      '-d',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (b) => {
    output += b;
  });
  child.stderr!.on('data', (b) => {
    output += b;
  });
  const url = `ldap://127.0.0.1:${port}`;
  const ldap = async (tool: 'ldapadd' | 'ldapmodify', text: string) => {
    const file = path.join(dir, `in-${Date.now()}-${Math.random().toString(36).slice(2)}.ldif`);
    fs.writeFileSync(file, text);
    try {
      await run(tool, ['-x', '-H', url, '-D', LDAP_ROOT_DN, '-w', LDAP_ROOT_PASSWORD, '-f', file]);
    } catch (err) {
      const e = err as { code?: string; stderr?: string };
      if (e.code === 'ENOENT')
        throw new Error(`${tool} is not installed: apt-get install ldap-utils (it comes with slapd's tools)`);
      throw new Error(`${tool} failed: ${e.stderr ?? String(err)}`);
    } finally {
      fs.rmSync(file, { force: true });
    }
  };
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, child, () => output);
    await waitForPort(tlsPort, child, () => output);
    await ldap(
      'ldapadd',
      `dn: ${LDAP_BASE}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n\n${ldif}`,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    ldapsUrl: `ldaps://127.0.0.1:${tlsPort}`,
    caFile: path.join(dir, 'ca.pem'),
    ldapadd: (text) => ldap('ldapadd', text),
    ldapmodify: (text) => ldap('ldapmodify', text),
    stop,
  };
}
