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
