/**
 * Throwaway X.509 material for TLS tests, made with the `openssl` command: certificate
 * authorities and the server / client certificates they sign. Everything is written under one
 * directory (paths for pipeline files) and read back (buffers for in-process sockets). Node
 * builtins only, so library tests can import it too.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and its private key (PEM), as files and as bytes. */
export interface Issued {
  readonly name: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface IssueOptions {
  /** Subject common name. */
  readonly cn: string;
  /** `serverAuth`, `clientAuth` or both (a server that is also a client of itself, as etcd's gateway). */
  readonly usage: 'server' | 'client' | 'server+client';
  /** Subject alternative names: `DNS:localhost`, `IP:127.0.0.1`... */
  readonly altNames?: readonly string[];
}

const EXTENDED_USAGE = {
  server: 'serverAuth',
  client: 'clientAuth',
  'server+client': 'serverAuth,clientAuth',
};

// Our own minimal configuration: the result does not depend on the system's openssl.cnf.
const REQ_CONFIG = '[req]\ndistinguished_name = dn\n[dn]\n';

function openssl(dir: string, args: readonly string[]): void {
  execFileSync('openssl', [...args], { cwd: dir, stdio: 'pipe' });
}

function issued(dir: string, name: string): Issued {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  return { name, certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

/** A self-signed certificate authority `<name>.crt` / `<name>.key` in `dir`. */
export function createCa(dir: string, name: string, cn = name): Issued {
  writeFileSync(
    join(dir, `${name}.cnf`),
    `${REQ_CONFIG}[ext]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n` +
      'subjectKeyIdentifier = hash\n',
  );
  openssl(dir, [
    'req',
    '-x509',
    '-config',
    `${name}.cnf`,
    '-extensions',
    'ext',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
    '-days',
    '2',
    '-subj',
    `/CN=${cn}`,
  ]);
  return issued(dir, name);
}

/** A leaf certificate `<name>.crt` / `<name>.key` in `dir`, signed by `ca`. */
export function issueCertificate(dir: string, ca: Issued, name: string, options: IssueOptions): Issued {
  const alt = options.altNames ?? [];
  writeFileSync(
    join(dir, `${name}.cnf`),
    `${REQ_CONFIG}[ext]\nbasicConstraints = critical,CA:FALSE\n` +
      'keyUsage = critical,digitalSignature,keyEncipherment\n' +
      `extendedKeyUsage = ${EXTENDED_USAGE[options.usage]}\n` +
      'authorityKeyIdentifier = keyid\n' +
      (alt.length > 0 ? `subjectAltName = ${alt.join(',')}\n` : ''),
  );
  openssl(dir, [
    'req',
    '-new',
    '-config',
    `${name}.cnf`,
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${options.cn}`,
  ]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    '-set_serial',
    `0x${randomBytes(8).toString('hex')}`,
    '-extfile',
    `${name}.cnf`,
    '-extensions',
    'ext',
    '-out',
    `${name}.crt`,
    '-days',
    '2',
  ]);
  return issued(dir, name);
}

export interface TestPki {
  readonly dir: string;
  /** The CA both sides trust. */
  readonly ca: Issued;
  /** CN localhost, SAN DNS:localhost and IP:127.0.0.1, signed by `ca`. */
  readonly server: Issued;
  /** CN collector-1, signed by `ca`. */
  readonly client: Issued;
  /** Another CA, trusted by nobody. */
  readonly rogueCa: Issued;
  /** CN collector-1 too, but signed by `rogueCa`. */
  readonly rogueClient: Issued;
}

/** The usual set for mutual TLS tests on the loopback, in a new temporary directory (or `dir`). */
export function createTestPki(dir: string = mkdtempSync(join(tmpdir(), 'drover-pki-'))): TestPki {
  const ca = createCa(dir, 'ca', 'drover-test-ca');
  const rogueCa = createCa(dir, 'rogue-ca', 'drover-rogue-ca');
  return {
    dir,
    ca,
    server: issueCertificate(dir, ca, 'server', {
      cn: 'localhost',
      usage: 'server',
      altNames: ['DNS:localhost', 'IP:127.0.0.1'],
    }),
    client: issueCertificate(dir, ca, 'client', { cn: 'collector-1', usage: 'client' }),
    rogueCa,
    rogueClient: issueCertificate(dir, rogueCa, 'rogue-client', { cn: 'collector-1', usage: 'client' }),
  };
}
