import { afterAll, vi } from 'vitest';

/** The instant every golden-file test runs at: far from any digest date, so a leak of the clock shows. */
export const FIXED_NOW = new Date('2040-06-15T12:34:56Z');

/**
 * Pins `Date` for the calling test file from now on, its collection included (where the sites
 * are built); timers keep running for real.
 */
export function fixClock(): void {
  vi.useFakeTimers({ toFake: ['Date'], now: FIXED_NOW });
  afterAll(() => {
    vi.useRealTimers();
  });
}
