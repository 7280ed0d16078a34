import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dkimVerify } from 'mailauth';
import { dkimRecordValue, generateKey, readKeyFile, type KeyType } from '../../src/deliverability/index.ts';
import { has, need } from './peers.ts';

/** TXT records by name, as a stub DNS serves them. */
export type TxtRecords = Map<string, string>;

/** Key files made for a test, the settings that name them, and the records that publish them. */
export interface TestKeys {
  paths: string[];
  selectors: string[];
  env: { PAPERBOY_DKIM_KEY: string; PAPERBOY_DKIM_SELECTOR: string };
  records: TxtRecords;
}

// An RSA key takes a good part of a second to make: a worker makes one per type and place in the
// list, and writes it again for the next test that asks.
const made = new Map<string, string>();
function keyOf(type: KeyType, place: number): string {
  const name = `${type}-${place}`;
  const pem = made.get(name) ?? generateKey(type);
  made.set(name, pem);
  return pem;
}

/** Makes one key file per type, each under a selector named after its type, for `domain`. */
export async function testKeys(types: readonly KeyType[], domain = 'example.org'): Promise<TestKeys> {
  const dir = await mkdtemp(join(tmpdir(), 'paperboy-dkim-'));
  const paths: string[] = [];
  const selectors: string[] = [];
  const records: TxtRecords = new Map();
  for (const [i, type] of types.entries()) {
    const path = join(dir, `${type}-${i}.pem`);
    await writeFile(path, keyOf(type, i), { mode: 0o600 });
    const selector = `sel-${type}-${i}`;
    paths.push(path);
    selectors.push(selector);
    records.set(`${selector}._domainkey.${domain}`, dkimRecordValue(readKeyFile(path)));
  }
  return { paths, selectors, env: { PAPERBOY_DKIM_KEY: paths.join(','), PAPERBOY_DKIM_SELECTOR: selectors.join(',') }, records };
}

/** The value of a TXT record printed as a zone file line (`name. 3600 IN TXT "…" "…"`), strings joined. */
export function recordFromZoneLine(line: string): { name: string; value: string } {
  const m = /^(\S+?)\.?\s+\d+\s+IN\s+TXT\s+(.*)$/.exec(line.trim());
  if (!m) throw new Error(`not a TXT zone line: ${line}`);
  return { name: m[1] as string, value: [...(m[2] as string).matchAll(/"([^"]*)"/g)].map((s) => s[1]).join('') };
}

/** One signature as a verifier saw it. */
export interface Verdict {
  domain: string;
  selector: string;
  result: string;
}

/** Verifies every DKIM signature of a message with mailauth, its DNS answered from `records` only. */
export async function mailauthVerdicts(raw: Buffer, records: TxtRecords): Promise<Verdict[]> {
  const resolver = async (name: string, type: string) => {
    const value = records.get(name.replace(/\.$/, ''));
    if (type !== 'TXT' || value === undefined) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    // As DNS gives it: the value in strings of 255 characters at most.
    return [value.match(/.{1,255}/g) ?? []];
  };
  const result = await dkimVerify(raw, { resolver, minBitLength: 2048 });
  return result.results.map((r) => ({ domain: r.signingDomain, selector: r.selector ?? '', result: String(r.status.result) }));
}

// Messages come in as a JSON list of base64 strings, so that one Python verifies many.
const PYTHON = `
import sys, json, base64, dkim
records = json.loads(sys.argv[1])
def dnsfunc(name, timeout=5):
    value = records.get(name.decode().rstrip('.'))
    return value.encode() if value is not None else None
def verdicts(message):
    d = dkim.DKIM(message, minkey=2048)
    count = sum(1 for name, _ in d.headers if name.lower() == b'dkim-signature')
    out = []
    for i in range(count):
        d.signature_fields = {}
        try:
            ok = d.verify(idx=i, dnsfunc=dnsfunc)
        except dkim.DKIMException as e:
            ok = False
        sig = d.signature_fields
        out.append({'domain': sig.get(b'd', b'').decode(), 'selector': sig.get(b's', b'').decode(), 'result': 'pass' if ok else 'fail'})
    return out
print(json.dumps([verdicts(base64.b64decode(m)) for m in json.load(sys.stdin)]))
`;

/** Verifies every DKIM signature of each message with Debian's python3-dkim (one process for all), its DNS answered from `records` only. */
export function pythonVerdictsOfEach(raws: readonly Buffer[], records: TxtRecords): Verdict[][] {
  need('python3-dkim');
  const input = JSON.stringify(raws.map((raw) => raw.toString('base64')));
  const json = execFileSync('/usr/bin/python3', ['-c', PYTHON, JSON.stringify(Object.fromEntries(records))], {
    input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(json) as Verdict[][];
}

/** Verifies every DKIM signature of a message with Debian's python3-dkim, its DNS answered from `records` only. */
export function pythonVerdicts(raw: Buffer, records: TxtRecords): Verdict[] {
  return pythonVerdictsOfEach([raw], records)[0] ?? [];
}

/** The verifiers this run has: mailauth always, and python3-dkim where it is installed (not in the fast tier). */
export function verifierCount(): number {
  return has('python3-dkim') ? 2 : 1;
}

/** Every verifier's verdicts on every signature of a message, one list per verifier (see `verifierCount`). */
export async function dkimVerdicts(raw: Buffer, records: TxtRecords): Promise<Verdict[][]> {
  return (await dkimVerdictsOfEach([raw], records))[0] ?? [];
}

/** `dkimVerdicts` of each message, Python started once for them all. */
export async function dkimVerdictsOfEach(raws: readonly Buffer[], records: TxtRecords): Promise<Verdict[][][]> {
  const python = has('python3-dkim') ? pythonVerdictsOfEach(raws, records) : undefined;
  return Promise.all(raws.map(async (raw, i) => [await mailauthVerdicts(raw, records), ...(python ? [python[i] ?? []] : [])]));
}

/** What every verifier of this run should say: `list` once per verifier. */
export function fromEachVerifier<T>(list: readonly T[]): T[][] {
  return Array.from({ length: verifierCount() }, () => [...list]);
}

/** A message with the first occurrence of `from` replaced by `to` (latin1, byte for byte elsewhere). */
export function tampered(raw: Buffer, from: string | RegExp, to: string | ((match: string) => string)): Buffer {
  const text = raw.toString('latin1');
  const changed = typeof to === 'string' ? text.replace(from, to) : text.replace(from, to);
  if (changed === text) throw new Error(`tampered: ${String(from)} not found`);
  return Buffer.from(changed, 'latin1');
}
