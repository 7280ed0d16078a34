import { describe, expect, it } from 'vitest';
import { largestCut, lastFitFrom, type Cut } from '../../src/render/index.ts';

// Sizes like an email's: a frame, a card per paper in full, a line per paper listed.
function sized(frame: number, card: number, line: number, budget: number) {
  const asked: Cut[] = [];
  const fits = (cut: Cut) => {
    asked.push(cut);
    return frame + cut.full * card + cut.listed * line <= budget;
  };
  return { fits, asked };
}

describe('the cut of an issue into papers in full and titles', () => {
  it('carries everything when everything fits', () => {
    expect(largestCut(12, sized(5_000, 2_000, 150, 89_000).fits)).toEqual({ full: 12, listed: 0 });
  });

  it('carries as many papers in full as fit with every other title listed', () => {
    // 5000 + 2000k + 150(59 - k) <= 89000  →  k <= 40.6
    expect(largestCut(59, sized(5_000, 2_000, 150, 89_000).fits)).toEqual({ full: 40, listed: 19 });
  });

  it('lists as many titles as fit when not even every title does', () => {
    expect(largestCut(1_000, sized(5_000, 2_000, 150, 89_000).fits)).toEqual({ full: 0, listed: 560 });
  });

  it('carries nothing but the frame when a single title does not fit', () => {
    expect(largestCut(3, sized(5_000, 200_000, 100_000, 89_000).fits)).toEqual({ full: 0, listed: 0 });
  });

  it('asks once when everything fits, and otherwise about few cuts, beyond "all" only small ones', () => {
    const small = sized(5_000, 2_000, 150, 89_000);
    largestCut(12, small.fits);
    expect(small.asked).toEqual([{ full: 12, listed: 0 }]);
    const { fits, asked } = sized(5_000, 2_000, 150, 89_000);
    largestCut(10_000, fits);
    expect(asked.length).toBeLessThan(40);
    expect(asked.slice(1).every((cut) => cut.full <= 1)).toBe(true);
  });
});

describe('the largest that fits, looked for from the last answer', () => {
  it('finds what a search from nothing finds, wherever it starts, and in a few questions near it', () => {
    for (const count of [0, 1, 2, 7, 59]) {
      for (let answer = -1; answer <= count; answer++) {
        // Fits up to `answer` (nothing fits when it is -1).
        const fits = (i: number) => i <= answer;
        const expected = Math.max(answer, 0);
        for (let last = 0; last <= count + 2; last++)
          expect([count, answer, last, lastFitFrom(count, last, fits)]).toEqual([count, answer, last, expected]);
      }
    }
    let asked = 0;
    const near = lastFitFrom(59, 30, (i) => {
      asked++;
      return i <= 28;
    });
    expect([near, asked]).toEqual([28, 4]);
  });
});
