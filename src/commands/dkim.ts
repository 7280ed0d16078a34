import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DKIM_SELECTOR } from '../config.ts';
import { describeKey, dkimRecordValue, generateKey, readKeyFile, zoneLine, type KeyType } from '../deliverability/index.ts';
import { PaperboyError, UsageError } from '../errors.ts';
import { errorCode, writeError } from '../files.ts';
import { commandHint } from '../hints.ts';
import type { CommandContext } from './context.ts';

/** What `dkim keygen` takes on the command line. */
export interface KeygenFlags {
  type?: unknown;
  out?: unknown;
  selector?: unknown;
}

/**
 * `paperboy dkim keygen [--type rsa|ed25519] [--out FILE] [--selector S]`: writes a new private
 * key (mode 0600, never over an existing file) and prints the TXT record that publishes it. Without
 * --out, a key file that PAPERBOY_DKIM_KEY names and that does not exist yet is the one written
 * (set the setting, then make the key).
 */
export async function keygenCommand(ctx: CommandContext, flags: KeygenFlags): Promise<number> {
  const type = flags.type ?? 'rsa';
  if (type !== 'rsa' && type !== 'ed25519') throw new UsageError(`--type takes rsa or ed25519, not "${String(type)}"`);
  const config = ctx.config();
  const missing = config.dkim.keys.map((key) => key.path).filter((path) => !existsSync(path));
  if (typeof flags.out !== 'string' && missing.length > 1) {
    throw new PaperboyError(
      `PAPERBOY_DKIM_KEY: ${missing.length} of its files do not exist yet (${missing.join(', ')}); write each with --out`,
    );
  }
  const out = typeof flags.out === 'string' ? resolve(ctx.cwd, flags.out) : missing[0];
  // The selector the settings give this file, else the one asked for, else the first configured.
  const configured = config.dkim.keys.find((key) => key.path === out)?.selector;
  const selector = typeof flags.selector === 'string' ? flags.selector : (configured ?? config.dkim.keys[0]?.selector ?? 'paperboy');
  if (!DKIM_SELECTOR.test(selector)) throw new UsageError(`--selector takes a DNS label such as paperboy, not "${selector}"`);
  const path = out ?? join(config.dataDir, `dkim-${selector}-${type}.pem`);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 }).catch((error: unknown) => {
    throw writeError(dirname(path), error);
  });
  try {
    await writeFile(path, generateKey(type as KeyType), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if (errorCode(error) === 'EEXIST') {
      throw new PaperboyError(
        `${path}: already exists; a key is never written over (its published record would stop matching): ` +
          'give another --out, or remove the file first',
      );
    }
    throw writeError(path, error);
  }
  await chmod(path, 0o600);
  const key = readKeyFile(path);
  const name = `${selector}._domainkey.${config.dkim.domain}`;
  const settings = `PAPERBOY_DKIM_KEY=${path}${selector === 'paperboy' ? '' : ` and PAPERBOY_DKIM_SELECTOR=${selector}`}`;
  ctx.output.out(
    [
      `wrote a new ${describeKey(key)} private key to ${path} (mode 0600)`,
      configured === selector
        ? `publish this TXT record at ${name} (the settings already name this key):`
        : `publish this TXT record at ${name}, then set ${settings}:`,
      '',
      zoneLine({ name, type: 'TXT', value: dkimRecordValue(key) }),
      '',
      config.dkim.domain.includes('.')
        ? `${commandHint(config.invocation, 'dns')} prints every record the settings need.`
        : `The record names ${config.dkim.domain}: set PAPERBOY_FROM to your own address first, ` +
          `then ${commandHint(config.invocation, 'dns')} prints it for your domain.`,
    ].join('\n'),
  );
  return 0;
}
