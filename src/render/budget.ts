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

/**
 * The largest i in [0, count] for which `fits` holds (0 when none does), given that it holds up to
 * some i and fails after it: looked for from `last` (the answer the last time), galloping away from
 * it and then bisecting, so that an answer that moved by a few costs a few questions.
 */
export function lastFitFrom(count: number, last: number, fits: (full: number) => boolean): number {
  let good = -1;
  let bad = count + 1;
  const start = Math.min(Math.max(last, 0), count);
  if (fits(start)) {
    good = start;
    for (let step = 1; good < count; step *= 2) {
      const probe = Math.min(good + step, count);
      if (!fits(probe)) {
        bad = probe;
        break;
      }
      good = probe;
    }
  } else {
    bad = start;
    for (let step = 1; bad > 0; step *= 2) {
      const probe = Math.max(bad - step, 0);
      if (fits(probe)) {
        good = probe;
        break;
      }
      bad = probe;
    }
    if (good < 0) return 0;
  }
  while (bad - good > 1) {
    const middle = Math.floor((good + bad) / 2);
    if (fits(middle)) good = middle;
    else bad = middle;
  }
  return good;
}
