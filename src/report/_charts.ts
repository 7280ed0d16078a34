import { escapeHtml } from '../render/index.ts';

/** One named row of figures, drawn in the colour (and dash) of its place in the chart. */
export interface Series {
  name: string;
  values: readonly (number | null)[];
}

/** What every chart is made of: its words, the labels along x, the figures, how a figure reads. */
export interface ChartSpec {
  /** Unique in the page: the ids of the chart's title and description start with it. */
  id: string;
  title: string;
  /** What the chart shows, in a sentence, for those who do not see it. */
  desc: string;
  /** What the x labels are (the first column of the figures' table). */
  labelName: string;
  labels: readonly string[];
  series: readonly Series[];
  format: (value: number) => string;
  /** Horizontal lines to measure against (limits), with their names. */
  lines?: readonly { value: number; name: string }[];
}

const WIDTH = 720;
const HEIGHT = 260;
const LEFT = 64;
const RIGHT = 16;
const TOP = 12;
const BOTTOM = 44;
const PLOT_W = WIDTH - LEFT - RIGHT;
const PLOT_H = HEIGHT - TOP - BOTTOM;
const DASHES = ['', '6 3', '2 3', '8 3 2 3'];

// A round top for the y axis and the step of its ticks: 1, 2 or 5 times a power of ten.
function scale(max: number): { top: number; step: number } {
  if (max <= 0) return { top: 1, step: 0.25 };
  const rough = max / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  return { top: Math.ceil(max / step) * step, step };
}

const num = (n: number) => Number(n.toFixed(1));

// The frame every chart shares: the svg with its title and description, the y grid, the x labels.
function frame(spec: ChartSpec, top: number, step: number, x: (i: number) => number, body: string): string {
  const y = (v: number) => TOP + PLOT_H - (v / top) * PLOT_H;
  const grid: string[] = [];
  for (let v = 0; v <= top + step / 2; v += step) {
    grid.push(`<line class="grid" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${num(y(v))}" y2="${num(y(v))}"/>`);
    grid.push(`<text class="tick" x="${LEFT - 6}" y="${num(y(v) + 4)}" text-anchor="end">${escapeHtml(spec.format(v))}</text>`);
  }
  // At most about ten x labels, evenly picked so they never overlap; a day goes without its year (the tables keep it).
  const every = Math.max(1, Math.ceil(spec.labels.length / 10));
  const labels = spec.labels
    .map((label, i) => {
      if (i % every !== 0) return '';
      const short = label.replace(/^\d{4}-(\d\d-\d\d)/, '$1');
      return `<text class="tick" x="${num(x(i))}" y="${HEIGHT - BOTTOM + 18}" text-anchor="middle">${escapeHtml(short)}</text>`;
    })
    .join('');
  const limits = (spec.lines ?? [])
    .map(
      (line) =>
        `<line class="limit" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${num(y(line.value))}" y2="${num(y(line.value))}"/>` +
        `<text class="limit-name" x="${WIDTH - RIGHT - 4}" y="${num(y(line.value) - 4)}" text-anchor="end">${escapeHtml(line.name)}</text>`,
    )
    .join('');
  return (
    `<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${spec.id}-title ${spec.id}-desc">` +
    `<title id="${spec.id}-title">${escapeHtml(spec.title)}</title><desc id="${spec.id}-desc">${escapeHtml(spec.desc)}</desc>` +
    grid.join('') +
    `<line class="axis" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${TOP + PLOT_H}" y2="${TOP + PLOT_H}"/>` +
    `${body}${limits}${labels}</svg>`
  );
}

// The legend (colours and dashes named) and the figures as a table, which is what a screen reader reads.
function around(spec: ChartSpec, svg: string, line: boolean): string {
  const key = (k: number) =>
    line
      ? `<line class="s${k}" x1="0" x2="24" y1="5" y2="5" stroke-dasharray="${DASHES[k % DASHES.length]}"/>`
      : `<rect class="s${k}" width="24" height="10"/>`;
  const legend = spec.series
    .map((s, k) => `<li><svg class="key" viewBox="0 0 24 10" aria-hidden="true">${key(k)}</svg>${escapeHtml(s.name)}</li>`)
    .join('');
  const head = `<tr><th scope="col">${escapeHtml(spec.labelName)}</th>${spec.series.map((s) => `<th scope="col">${escapeHtml(s.name)}</th>`).join('')}</tr>`;
  const cell = (value: number | null | undefined) => `<td>${value == null ? '–' : escapeHtml(spec.format(value))}</td>`;
  const rows = spec.labels
    .map((label, i) => `<tr><th scope="row">${escapeHtml(label)}</th>${spec.series.map((s) => cell(s.values[i])).join('')}</tr>`)
    .join('');
  const title = escapeHtml(spec.title);
  return (
    `<figure>${svg}<figcaption><ul class="legend">${legend}</ul></figcaption></figure>` +
    `<details><summary>${title}: the figures</summary>` +
    `<table><caption>${title}</caption><thead>${head}</thead><tbody>${rows}</tbody></table></details>`
  );
}

function topOf(spec: ChartSpec): { top: number; step: number } {
  const values = spec.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  return scale(Math.max(0, ...values, ...(spec.lines ?? []).map((l) => l.value * 1.15)));
}

/** A line per series over the labels (days): the figure, its legend and its table. */
export function lineChart(spec: ChartSpec): string {
  const { top, step } = topOf(spec);
  const n = spec.labels.length;
  const x = (i: number) => LEFT + (n <= 1 ? PLOT_W / 2 : (i / (n - 1)) * PLOT_W);
  const y = (v: number) => TOP + PLOT_H - (v / top) * PLOT_H;
  const body = spec.series
    .map((s, k) => {
      const points = s.values.map((v, i) => (v === null ? '' : `${num(x(i))},${num(y(v))}`)).filter((p) => p !== '');
      return `<polyline class="s${k}" fill="none" stroke-dasharray="${DASHES[k % DASHES.length]}" points="${points.join(' ')}"/>`;
    })
    .join('');
  return around(spec, frame(spec, top, step, x, body), true);
}

/** Bars side by side for each label (issue), one per series: the figure, its legend and its table. */
export function barChart(spec: ChartSpec): string {
  const { top, step } = topOf(spec);
  const n = Math.max(1, spec.labels.length);
  const slot = PLOT_W / n;
  const x = (i: number) => LEFT + slot * (i + 0.5);
  const y = (v: number) => TOP + PLOT_H - (v / top) * PLOT_H;
  const width = Math.max(1, (slot * 0.8) / spec.series.length);
  const body = spec.series
    .map((s, k) =>
      s.values
        .map((v, i) => {
          if (v === null) return '';
          const left = x(i) - (slot * 0.8) / 2 + k * width;
          return `<rect class="s${k}" x="${num(left)}" y="${num(y(v))}" width="${num(width)}" height="${num(TOP + PLOT_H - y(v))}"/>`;
        })
        .join(''),
    )
    .join('');
  return around(spec, frame(spec, top, step, x, body), false);
}
