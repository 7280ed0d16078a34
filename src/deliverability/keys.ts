import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { DkimSettings } from '../config.ts';
import type { DkimKey } from '../deliver/index.ts';
import { ConfigError, PaperboyError } from '../errors.ts';
import { commandHint, type Invocation } from '../hints.ts';
import { errorCode, fileProblem } from '../files.ts';

/** The kinds of DKIM key paperboy makes and signs with. */
export type KeyType = 'rsa' | 'ed25519';

/** A private key read from a PEM file. */
export interface KeyFile {
  path: string;
  type: KeyType;
  /** The modulus length of an RSA key. */
  bits: number | undefined;
  privateKey: KeyObject;
}

/** RSA keys shorter than this are refused: receivers treat them as no signature at all. */
const MIN_RSA_BITS = 2048;

/** A DKIM key that cannot be used; the message starts with its file. */
class DkimKeyError extends PaperboyError {
  override name = 'DkimKeyError';
  /** Whether a new key (`dkim keygen`) is the way out: the file is missing, or no fit key. */
  readonly keygenFixes: boolean;
  constructor(message: string, options: { cause?: unknown; keygenFixes?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.keygenFixes = options.keygenFixes ?? false;
  }
}

/** Reads a PEM private key (RSA of 2048 bits or more, or Ed25519) from a file. */
export function readKeyFile(path: string): KeyFile {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DkimKeyError(`${path}: ${fileProblem(error)}`, { cause: error, keygenFixes: errorCode(error) === 'ENOENT' });
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (error) {
    const encrypted = /ENCRYPTED/.test(pem) || /passphrase/i.test((error as Error).message);
    if (encrypted)
      throw new DkimKeyError(`${path}: the key is encrypted; paperboy needs it unencrypted (keep the file private instead: mode 0600)`);
    throw new DkimKeyError(`${path}: not a PEM private key`, { keygenFixes: true });
  }
  const type = privateKey.asymmetricKeyType;
  if (type === 'rsa') {
    const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) {
      throw new DkimKeyError(`${path}: an RSA key of ${bits} bits is too short; DKIM keys need ${MIN_RSA_BITS} bits or more`, {
        keygenFixes: true,
      });
    }
    return { path, type, bits, privateKey };
  }
  if (type === 'ed25519') return { path, type, bits: undefined, privateKey };
  throw new DkimKeyError(`${path}: a key of type ${type ?? 'unknown'}; DKIM signs with RSA (${MIN_RSA_BITS} bits or more) or Ed25519`, {
    keygenFixes: true,
  });
}

/** A new private key in PEM (PKCS #8): RSA of 2048 bits, or Ed25519. */
export function generateKey(type: KeyType): string {
  const { privateKey } = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: MIN_RSA_BITS }) : generateKeyPairSync('ed25519');
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** The value of the TXT record that publishes a key's public half (RFC 6376, RFC 8463). */
export function dkimRecordValue(key: Pick<KeyFile, 'type' | 'privateKey'>): string {
  const publicKey = createPublicKey(key.privateKey);
  if (key.type === 'ed25519') {
    // RFC 8463: the bare 32-byte key, not wrapped in SubjectPublicKeyInfo as RSA keys are.
    const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
    return `v=DKIM1; k=ed25519; p=${raw.toString('base64')}`;
  }
  return `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
}

/** A key's name and kind as people say it: `RSA-2048`, `Ed25519`. */
export function describeKey(key: Pick<KeyFile, 'type' | 'bits'>): string {
  return key.type === 'rsa' ? `RSA-${key.bits}` : 'Ed25519';
}

/** A key the settings name, read from its file: what signing needs, and what `paperboy dns` shows of it. */
export interface ConfiguredKey extends DkimKey {
  readonly path: string;
  readonly type: KeyType;
  readonly bits: number | undefined;
}

/**
 * Reads the keys the settings name, each file once, ready to sign with. A file that is missing,
 * unreadable or no fit key is a `ConfigError` with one line per such file, naming PAPERBOY_DKIM_KEY
 * (and, for a missing or unfit one, the command that makes a key, as `invocation` runs it).
 */
export function readSigningKeys(dkim: DkimSettings, invocation: Invocation): ConfiguredKey[] {
  const keys: ConfiguredKey[] = [];
  const problems: string[] = [];
  for (const { path, selector } of dkim.keys) {
    try {
      const { type, bits, privateKey } = readKeyFile(path);
      const algorithm = type === 'rsa' ? 'rsa-sha256' : 'ed25519-sha256';
      keys.push({ path, type, bits, selector, domain: dkim.domain, algorithm, privateKey });
    } catch (error) {
      if (!(error instanceof DkimKeyError)) throw error;
      const absent = errorCode(error.cause) === 'ENOENT';
      const hint = error.keygenFixes ? ` (${commandHint(invocation, 'dkim keygen')} ${absent ? 'writes it' : 'makes one'})` : '';
      problems.push(`PAPERBOY_DKIM_KEY: ${error.message}${hint}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
  return keys;
}
