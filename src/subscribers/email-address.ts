/** The longest address paperboy takes (RFC 5321's path limit less the brackets). */
export const MAX_ADDRESS_LENGTH = 254;

const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/** Says what is wrong with an email address, or undefined when it is usable. */
export function addressProblem(address: string): string | undefined {
  if (address.length === 0) return 'is empty';
  if (address.length > MAX_ADDRESS_LENGTH) return `is longer than ${MAX_ADDRESS_LENGTH} characters`;
  if (/[\r\n]/.test(address)) return 'contains a line break';
  if (/[\s\u0000-\u001f\u007f]/.test(address)) return 'contains a space or a control character';
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return 'is not of the form name@domain';
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > 64) return 'has a name part longer than 64 characters';
  if (!LOCAL.test(local)) return 'has characters that do not belong before the @';
  const labels = domain.split('.');
  if (!labels.every((l) => LABEL.test(l))) return 'has a domain that is not a host name';
  if (labels.length < 2 && domain.toLowerCase() !== 'localhost') return 'has a domain without a dot';
  return undefined;
}

// Top-level names that never reach a mailbox on the internet (RFC 2606, RFC 6761). The second-level
// example.com, example.net and example.org are not among them: documentation and tests use them.
const RESERVED_TOP_LEVEL = new Set(['test', 'example', 'invalid', 'localhost']);

// Names of local networks, never reached from the internet: `.local` (RFC 6762), `.alt` (RFC 9476),
// `.internal` (kept by ICANN for private use), `home.arpa` (RFC 8375).
const LOCAL_NETWORK = /(?:^|\.)(?:local|alt|internal|home\.arpa)$/;

/**
 * Says why a usable address still cannot be a reader's: its domain is `localhost`, a bare name,
 * under a reserved top-level name, or a local network's; undefined otherwise.
 */
export function reservedAddressProblem(address: string): string | undefined {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  if (domain === 'localhost') return 'is at localhost, which is this computer, not a mailbox';
  if (!domain.includes('.')) return 'has a domain without a dot';
  const top = domain.split('.').at(-1) ?? '';
  if (RESERVED_TOP_LEVEL.has(top)) return `is under .${top}, a name reserved for testing that never receives mail`;
  const local = LOCAL_NETWORK.exec(domain)?.[0].replace(/^\./, '');
  if (local !== undefined) return `is under .${local}, a name of a local network that never receives mail from the internet`;
  return undefined;
}

/** The form addresses are compared in: the whole address in lower case. */
export function addressKey(address: string): string {
  return address.trim().toLowerCase();
}

/**
 * The mailbox an address reaches, for counting what is sent to it: lower case, without a `+tag`
 * (`Ann+news@example.org` and `ann+1@example.org` both reach `ann@example.org`).
 */
export function mailboxKey(address: string): string {
  const key = addressKey(address);
  const at = key.lastIndexOf('@');
  const plus = key.indexOf('+');
  return plus > 0 && plus < at ? key.slice(0, plus) + key.slice(at) : key;
}
