import { dnsReport, zoneLine } from '../deliverability/index.ts';
import { plural } from '../output.ts';
import type { CommandContext } from './context.ts';

/**
 * `paperboy dns`: every record to publish for the current settings, as zone file lines, and the
 * alignment of the From domain with the DKIM domain and the return path. Exit 1 when mail would
 * fail DMARC.
 */
export async function dnsCommand(ctx: CommandContext): Promise<number> {
  const config = ctx.config();
  const report = await dnsReport(config);
  const { out } = ctx.output;
  out(`; DNS records for mail from ${config.sender.address}: publish them at your DNS host`);
  for (const record of report.records) out(`\n; ${record.about}\n${zoneLine(record)}`);
  const mark = (ok: boolean) => (ok ? 'aligned' : 'NOT aligned');
  out(`\nalignment with the From domain, ${config.sender.domain} (DMARC, relaxed):`);
  for (const a of report.alignment) out(`  ${a.what}: ${a.domain}, ${mark(a.aligned)}`);
  // Everything misaligned is a warning that says what to change; what fails DMARC comes first.
  for (const failure of report.failures) out(`warning: ${failure}`);
  for (const warning of report.warnings) out(`warning: ${warning}`);
  if (report.failures.length > 0) {
    const change =
      report.failures.length === 1 ? 'change what the first warning says' : `change what the first ${report.failures.length} warnings say`;
    ctx.output.err(`mail from ${config.sender.address} would fail DMARC: ${change}`);
    return 1;
  }
  const warned = report.warnings.length > 0 ? ` (${plural(report.warnings.length, 'warning')} above)` : '';
  out(`\nmail from ${config.sender.address} passes DMARC once these records are published${warned}`);
  return 0;
}
