import type { Logger } from '../log.ts';

/** Tells a WebSub hub that feeds changed (`hub.mode=publish`), one request per feed; failures are logged, not thrown. */
export async function notifyHub(hub: string, feeds: readonly string[], log: Logger): Promise<void> {
  for (const url of feeds) {
    try {
      const response = await fetch(hub, {
        method: 'POST',
        body: new URLSearchParams({ 'hub.mode': 'publish', 'hub.url': url }),
        signal: AbortSignal.timeout(10_000),
      });
      if (response.ok) log.info('websub notified', { hub, feed: url, status: response.status });
      else log.warn('websub refused', { hub, feed: url, status: response.status });
    } catch (error) {
      log.warn('websub unreachable', { hub, feed: url, error: (error as Error).message });
    }
  }
}
