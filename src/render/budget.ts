/** How an email carries an issue: the first `full` papers in full, the next `listed` by title. */
export interface Cut {
  full: number;
  listed: number;
}

// The largest i in [low, high] for which ok holds, given that ok(low) holds and that ok holds up to
// some i and fails after it. It gallops from low (1, 2, 4, … past it), then bisects, so it asks
// about small values first: those are the cheap ones to measure here.
function lastThat(low: number, high: number, ok: (i: number) => boolean): number {
  let good = low;
  let step = 1;
  while (good < high) {
    const probe = Math.min(good + step, high);
    if (!ok(probe)) {
      high = probe - 1;
      break;
    }
    good = probe;
    step *= 2;
  }
  while (good < high) {
    const middle = Math.ceil((good + high) / 2);
    if (ok(middle)) good = middle;
    else high = middle - 1;
  }
  return good;
}

/**
 * The richest cut of `count` papers that fits: every paper in full when they fit (most issues, one
 * question); else as many in full as fit with every other title listed; when even every title
 * does not fit, no paper in full and as many titles as fit. `fits` is asked O(log count) times,
 * about cuts near the answer, so a size that takes linear time to measure keeps the search near
 * linear.
 */
export function largestCut(count: number, fits: (cut: Cut) => boolean): Cut {
  const listingTheRest = (full: number): Cut => ({ full, listed: count - full });
  if (fits(listingTheRest(count))) return listingTheRest(count);
  if (fits(listingTheRest(0))) return listingTheRest(lastThat(0, count - 1, (full) => fits(listingTheRest(full))));
  return { full: 0, listed: lastThat(0, count, (listed) => fits({ full: 0, listed })) };
}
