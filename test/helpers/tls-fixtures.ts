import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Test certificates made with the `openssl` CLI in a temp folder: a root CA, an intermediate CA,
 * and leaves issued by the intermediate, so tests can serve a complete chain, a leaf without its
 * intermediate, or a self-signed certificate. EC P-256 keys keep generation fast.
 */

const run = promisify(execFile);

export interface TestCertificate {
  /** Private key, PEM. */
  readonly key: string;
  /** The leaf certificate alone, PEM. */
  readonly cert: string;
  /** The leaf followed by its intermediate, PEM: what a correctly configured server sends. */
  readonly fullChain: string;
}

export interface LeafOptions {
  readonly commonName?: string;
  /** Subject alternative names, e.g. `DNS:localhost`, `IP:127.0.0.1`. */
  readonly altNames?: readonly string[];
  readonly days?: number;
}

export interface TestCa {
  /** Root certificate, PEM: pass it as the `ca` option to trust this CA. */
  readonly root: string;
  readonly intermediate: string;
  issueLeaf(options?: LeafOptions): Promise<TestCertificate>;
  createSelfSigned(options?: LeafOptions): Promise<TestCertificate>;
  /** The temp folder holding the files; removed by cleanup. */
  readonly dir: string;
  cleanup(): Promise<void>;
}

const CONFIG = `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[root_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[intermediate_ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
`;

export async function createTestCa(): Promise<TestCa> {
  const dir = await mkdtemp(join(tmpdir(), 'wahook-tls-'));
  const path = (name: string) => join(dir, name);
  const config = path('openssl.cnf');
  await writeFile(config, CONFIG);
  const openssl = async (...args: string[]) => {
    await run('openssl', args, { cwd: dir });
  };
  const newKey = (name: string) =>
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path(name));

  await newKey('root.key');
  await openssl(
    ...['req', '-x509', '-new', '-key', path('root.key'), '-subj', '/CN=wahook test root CA', '-days', '365'],
    ...['-config', config, '-extensions', 'root_ext', '-out', path('root.pem')],
  );
  await newKey('intermediate.key');
  await openssl(
    ...['req', '-new', '-key', path('intermediate.key'), '-subj', '/CN=wahook test intermediate CA'],
    ...['-config', config, '-out', path('intermediate.csr')],
  );
  await openssl(
    ...['x509', '-req', '-in', path('intermediate.csr'), '-CA', path('root.pem'), '-CAkey', path('root.key')],
    ...['-set_serial', serial(), '-days', '365', '-extfile', config, '-extensions', 'intermediate_ext'],
    ...['-out', path('intermediate.pem')],
  );
  const root = await readFile(path('root.pem'), 'utf8');
  const intermediate = await readFile(path('intermediate.pem'), 'utf8');

  let counter = 0;
  const prepareLeaf = async (options: LeafOptions) => {
    counter += 1;
    const name = `leaf-${counter}`;
    const altNames = options.altNames ?? ['DNS:localhost', 'IP:127.0.0.1'];
    const extensions = [
      'basicConstraints = CA:FALSE',
      'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = serverAuth',
      `subjectAltName = ${altNames.join(', ')}`,
    ];
    await writeFile(path(`${name}.ext`), extensions.join('\n'));
    await newKey(`${name}.key`);
    const subject = `/CN=${options.commonName ?? 'localhost'}`;
    return { name, subject, extensions, days: String(options.days ?? 90) };
  };
  const readLeaf = async (name: string, chain: string): Promise<TestCertificate> => {
    const cert = await readFile(path(`${name}.pem`), 'utf8');
    return { key: await readFile(path(`${name}.key`), 'utf8'), cert, fullChain: cert + chain };
  };

  return {
    root,
    intermediate,
    async issueLeaf(options = {}) {
      const { name, subject, days } = await prepareLeaf(options);
      await openssl(
        'req',
        '-new',
        '-key',
        path(`${name}.key`),
        '-subj',
        subject,
        '-config',
        config,
        '-out',
        path(`${name}.csr`),
      );
      await openssl(
        ...['x509', '-req', '-in', path(`${name}.csr`), '-CA', path('intermediate.pem')],
        ...['-CAkey', path('intermediate.key'), '-set_serial', serial(), '-days', days],
        ...['-extfile', path(`${name}.ext`), '-out', path(`${name}.pem`)],
      );
      return readLeaf(name, intermediate);
    },
    async createSelfSigned(options = {}) {
      const { name, subject, extensions, days } = await prepareLeaf(options);
      await openssl(
        ...['req', '-x509', '-new', '-key', path(`${name}.key`), '-subj', subject, '-days', days],
        ...['-config', config, '-out', path(`${name}.pem`)],
        ...extensions.flatMap((extension) => ['-addext', extension.replaceAll(' ', '')]),
      );
      return readLeaf(name, '');
    },
    dir,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

function serial(): string {
  return `0x${randomBytes(8).toString('hex')}`;
}
