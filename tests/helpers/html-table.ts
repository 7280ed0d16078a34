import type { CheerioAPI } from 'cheerio';

/** The cells of the table captioned so, row by row (the row header first). */
export function tableCells($: CheerioAPI, caption: string): string[][] {
  const found = $('table').filter((_, t) => $(t).find('caption').text() === caption);
  return found
    .find('tbody tr')
    .toArray()
    .map((tr) =>
      $(tr)
        .find('th, td')
        .toArray()
        .map((cell) => $(cell).text()),
    );
}
