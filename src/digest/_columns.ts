/** The columns paperboy knows, whatever a header calls them. */
export type Column = 'title' | 'authors' | 'summary' | 'tags' | 'github' | 'huggingface' | 'link';

const NAMES: Record<string, Column> = {
  title: 'title',
  paper: 'title',
  authors: 'authors',
  author: 'authors',
  summary: 'summary',
  abstract: 'summary',
  classification: 'tags',
  tags: 'tags',
  topics: 'tags',
  categories: 'tags',
  'github urls': 'github',
  'github url': 'github',
  github: 'github',
  code: 'github',
  'huggingface urls': 'huggingface',
  'huggingface url': 'huggingface',
  'hugging face urls': 'huggingface',
  huggingface: 'huggingface',
  'hugging face': 'huggingface',
  link: 'link',
  links: 'link',
  url: 'link',
  arxiv: 'link',
};

/** Maps header cells to columns, or says which header cell it does not know. */
export function readHeader(cells: readonly string[]): Column[] | string {
  const columns: Column[] = [];
  for (const cell of cells) {
    const column = NAMES[cell.replace(/[*_`]/g, '').replace(/\s+/g, ' ').trim().toLowerCase()];
    if (!column) return `unknown column "${cell}" in the table header`;
    if (columns.includes(column)) return `column "${cell}" appears twice in the table header`;
    columns.push(column);
  }
  if (!columns.includes('title')) return 'the table header has no Title column';
  return columns;
}

/** Fits a row's cells to the header: extra cells come from a raw `|` inside the free-text summary. */
export function fitCells(cells: string[], columns: readonly Column[]): string[] | undefined {
  const extra = cells.length - columns.length;
  if (extra === 0) return cells;
  const summary = columns.indexOf('summary');
  if (extra < 0 || summary === -1) return undefined;
  return [...cells.slice(0, summary), cells.slice(summary, summary + extra + 1).join('|'), ...cells.slice(summary + extra + 1)];
}
