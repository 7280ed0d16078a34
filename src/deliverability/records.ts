import type { DkimSettings, Sender } from '../config.ts';
import { commandHint, type Invocation } from '../hints.ts';
import { describeKey, dkimRecordValue, readSigningKeys } from './keys.ts';

/** One record to publish, and what it is for. */
export interface DnsRecord {
  name: string;
  type: 'TXT' | 'MX';
  value: string;
  about: string;
}

/** A domain mail carries, and whether it is aligned with the From domain (DMARC, relaxed). */
export interface Alignment {
  what: string;
  domain: string;
  aligned: boolean;
}

/** What `paperboy dns` prints: the records, the alignment, and what to change. */
export interface DnsReport {
  records: DnsRecord[];
  alignment: Alignment[];
  /** Worth changing; mail still passes DMARC. */
  warnings: string[];
  /** Mail would fail DMARC (or could not be authenticated at all). */
  failures: string[];
}

/** What the records are made from: the settings that touch mail authentication. */
export interface MailSettings {
  sender: Sender;
  dkim: DkimSettings;
  smtpName: string;
  smtpUrl: string | undefined;
  inboundPort: number | undefined;
  /** How the user runs paperboy, for the commands the report suggests. */
  invocation: Invocation;
}

/** The organizational domain of a name (RFC 7489, 3.2: by the Public Suffix List), or undefined for none. */
async function organizationalDomain(name: string): Promise<string | undefined> {
  const { getDomain } = await import('tldts');
  return getDomain(name, { allowPrivateDomains: true }) ?? undefined;
}

const DMARC_REPORTS = (domain: string) => `dmarc@${domain}`;

/**
 * Every record to publish for these settings (each DKIM key, SPF, DMARC, and the MX when the
 * inbound receiver is used), and the alignment of the From domain with the DKIM `d=` and the
 * return path. A DKIM domain outside the From domain's organization fails DMARC.
 */
export async function dnsReport(settings: MailSettings): Promise<DnsReport> {
  const from = settings.sender.domain.toLowerCase();
  const { dkim, smtpName } = settings;
  const report: DnsReport = { records: [], alignment: [], warnings: [], failures: [] };
  const fromOrg = await organizationalDomain(from);
  if (fromOrg === undefined) {
    report.failures.push(
      `PAPERBOY_FROM: ${from} is not a public domain, so no record can be published for it and receivers refuse its mail; ` +
        'use an address at a domain of yours',
    );
  }
  const aligned = async (domain: string) => fromOrg !== undefined && (await organizationalDomain(domain)) === fromOrg;

  const keys = readSigningKeys(dkim, settings.invocation);
  for (const [i, key] of keys.entries()) {
    const count = keys.length > 1 ? ` ${i + 1} of ${keys.length}` : '';
    const about = `DKIM key${count}: ${describeKey(key)}, ${key.path}`;
    report.records.push({ name: `${key.selector}._domainkey.${dkim.domain}`, type: 'TXT', value: dkimRecordValue(key), about });
  }
  report.records.push({
    name: from,
    type: 'TXT',
    value: `v=spf1 a:${smtpName} mx ~all`,
    about:
      `SPF: the hosts that may send as ${from}: this machine (PAPERBOY_SMTP_NAME) and your MX. ` +
      'A relay service names its own include: (its documentation gives it); add it. ' +
      'A domain has one SPF record: merge with any it has',
  });
  report.records.push({
    name: `_dmarc.${from}`,
    type: 'TXT',
    value: `v=DMARC1; p=none; rua=mailto:${DMARC_REPORTS(from)}; adkim=r; aspf=r`,
    about:
      `DMARC: start at p=none and read the daily reports sent to ${DMARC_REPORTS(from)} (a mailbox you read); ` +
      'once every source passes, move to p=quarantine, then p=reject',
  });
  if (settings.inboundPort !== undefined) {
    report.records.push({
      name: from,
      type: 'MX',
      value: `10 ${smtpName}.`,
      about:
        `MX: bounces, complaints and requests to ${settings.sender.local}+…@${from} reach paperboy inbound on ${smtpName}, ` +
        `port 25 forwarded to ${settings.inboundPort}. ` +
        `If ${from} takes other mail elsewhere, forward the list's addresses from there instead`,
    });
  }

  if (dkim.keys.length === 0) {
    report.warnings.push(
      'PAPERBOY_DKIM_KEY is not set: mail leaves unsigned, ' +
        'and Gmail, Yahoo and Outlook.com refuse or spam-folder bulk mail without DKIM; ' +
        `run ${commandHint(settings.invocation, 'dkim keygen')} and set PAPERBOY_DKIM_KEY, ` +
        `unless your relay signs for you as ${from} (then publish the record it gives you)`,
    );
  } else {
    const ok = await aligned(dkim.domain);
    report.alignment.push({ what: 'DKIM signing domain (d=)', domain: dkim.domain, aligned: ok });
    if (!ok && fromOrg !== undefined) {
      report.failures.push(
        `PAPERBOY_DKIM_DOMAIN is ${dkim.domain}, outside ${fromOrg}, the From domain's organization: ` +
          'its signatures do not count for DMARC, which then fails wherever SPF does (forwarded mail); ' +
          `leave PAPERBOY_DKIM_DOMAIN unset (it signs as ${from}) or set it to ${fromOrg} or a subdomain of it`,
      );
    }
  }
  // The return path is the list's own VERP address, always at the From domain.
  report.alignment.push({ what: 'return path (VERP, SPF)', domain: from, aligned: fromOrg !== undefined });
  if (settings.inboundPort === undefined) {
    report.warnings.push(
      `PAPERBOY_INBOUND_PORT is not set: bounces and complaint reports to ${settings.sender.local}+…@${from} reach paperboy ` +
        'only if your mail server forwards them to a paperboy inbound receiver; complaints not heard keep being mailed',
    );
  }
  if (!/\./.test(smtpName) || (await organizationalDomain(smtpName)) === undefined) {
    report.warnings.push(
      `PAPERBOY_SMTP_NAME: ${smtpName} is not a public host name; relays and receivers distrust a greeting they cannot look up; ` +
        "set it to this machine's name (with an A record and a matching PTR)",
    );
  }
  return report;
}

// TXT strings hold 255 characters at most: a longer value is split into several, which receivers join.
function quoted(value: string): string {
  const chunks: string[] = [];
  for (let i = 0; i < value.length; i += 255) chunks.push(`"${value.slice(i, i + 255)}"`);
  return chunks.join(' ');
}

/** A record as a zone file line: `name. 3600 IN TXT "…" "…"`. */
export function zoneLine(record: Pick<DnsRecord, 'name' | 'type' | 'value'>): string {
  return `${record.name}. 3600 IN ${record.type} ${record.type === 'TXT' ? quoted(record.value) : record.value}`;
}
