/** How an email carries an issue: the first `full` papers in full, the next `listed` by title. */
export interface Cut {
  full: number;
  listed: number;
}

// The largest i in [low, high] for which ok holds, when ok holds up to some i and fails after it.
function lastThat(low: number, high: number, ok: (i: number) => boolean): number {
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (ok(middle)) low = middle;
    else high = middle - 1;
  }
  return low;
}

/**
 * The richest cut of `count` papers that fits: as many papers in full as fit with every other
 * title listed; when even every title does not fit, no paper in full and as many titles as fit.
 * `fits` is asked O(log count) times, so a size that takes linear time to measure stays cheap.
 */
export function largestCut(count: number, fits: (cut: Cut) => boolean): Cut {
  const listingTheRest = (full: number): Cut => ({ full, listed: count - full });
  if (fits(listingTheRest(count))) return listingTheRest(count);
  if (fits(listingTheRest(0))) return listingTheRest(lastThat(0, count - 1, (full) => fits(listingTheRest(full))));
  return { full: 0, listed: lastThat(0, count, (listed) => fits({ full: 0, listed })) };
}
