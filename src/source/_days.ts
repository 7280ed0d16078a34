import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SourceError } from '../errors.ts';
import type { SourceRecords } from '../ledger/index.ts';
import type { SyncReport, UpstreamFile } from './_take.ts';

/** A URL pattern source as the setting names it. */
export interface DaysSpec {
  spec: string;
  pattern: string;
}

const DAY_MS = 86_400_000;
const formatMb = (bytes: number) => (bytes >= 1e6 ? `${Math.round(bytes / 1e6)} MB` : `${bytes} bytes`);

/** The URL of one day's digest. */
export function urlOfDay(pattern: string, day: string): string {
  const [yyyy = '', mm = '', dd = ''] = day.split('-');
  return pattern.replaceAll('{yyyy}', yyyy).replaceAll('{mm}', mm).replaceAll('{dd}', dd);
}

// The body, read no further than `max` bytes.
async function readLimited(response: Response, max: number, url: string): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > max) throw new SourceError(`${url}: ${declared} bytes, more than the ${formatMb(max)} a digest may be; not fetched`);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body ?? []) {
    total += chunk.byteLength;
    if (total > max) throw new SourceError(`${url}: more than the ${formatMb(max)} a digest may be; aborted`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Asks for today's digest and those of the days within the lateness window, each with a conditional
 * GET (the ETag and Last-Modified of the last answer), and returns the ones that came back new.
 */
export async function fetchDays(
  spec: DaysSpec,
  parts: { records: SourceRecords; digestsDir: string; now: Date; maxLatenessMs: number; maxBytes: number },
  report: SyncReport,
): Promise<UpstreamFile[]> {
  const files: UpstreamFile[] = [];
  const days = Math.max(0, Math.ceil(parts.maxLatenessMs / DAY_MS));
  for (let back = 0; back <= days; back++) {
    const day = new Date(parts.now.getTime() - back * DAY_MS).toISOString().slice(0, 10);
    const path = `${day.replaceAll('-', '/')}.md`;
    const url = urlOfDay(spec.pattern, day);
    const known = existsSync(join(parts.digestsDir, ...path.split('/'))) ? await parts.records.get(path) : undefined;
    const headers: Record<string, string> = {};
    if (known?.etag) headers['if-none-match'] = known.etag;
    if (known?.lastModified) headers['if-modified-since'] = known.lastModified;
    let response: Response;
    try {
      report.requests++;
      response = await fetch(url, { headers, redirect: 'follow', signal: AbortSignal.timeout(60_000) });
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      throw new SourceError(`${url}: cannot reach the server${code ? ` (${code})` : ''}`, { cause: error });
    }
    if (response.status === 304) {
      await parts.records.touch(path, parts.now);
      await response.body?.cancel();
      continue;
    }
    if (response.status === 404 || response.status === 410) {
      await response.body?.cancel();
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new SourceError(`${url}: the server answered HTTP ${response.status}`);
    }
    try {
      const bytes = await readLimited(response, parts.maxBytes, url);
      const etag = response.headers.get('etag') ?? '';
      const lastModified = response.headers.get('last-modified') ?? '';
      files.push({ shown: url, path, bytes, origin: url, etag, lastModified });
    } catch (error) {
      if (!(error instanceof SourceError)) throw error;
      report.skipped.push(error.message);
    }
  }
  return files;
}
