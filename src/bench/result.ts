/** One benchmark's figures and whether it met its target. */
export interface BenchResult {
  name: string;
  target: string;
  figures: Record<string, number | string>;
  pass: boolean;
}
