/** A small well-formed digest of a day, with `papers` rows (none: an empty digest, heading and table only). */
export function digestText(date: string, papers = 1, note = ''): string {
  const rows = Array.from({ length: papers }, (_, i) => {
    const id = `2410.${String(10000 + i)}`;
    return (
      `| [Paper ${i + 1} of ${date}${note}](https://arxiv.org/abs/${id}) | Ada Lovelace | ` +
      `- A summary of paper ${i + 1}. | ['Reinforcement Learning'] | N/A | N/A |`
    );
  });
  return sixColumnDigest(date, rows);
}

/** A digest of a day in the six-column form: its heading, the table's header and these rows. */
export function sixColumnDigest(date: string, rows: readonly string[]): string {
  return [
    `## Papers for ${date}`,
    '',
    '| Title | Authors | Summary | Classification | GitHub URLs | HuggingFace URLs |',
    '|-------|---------|---------|----------------|-------------|-----------------|',
    ...rows,
    '',
  ].join('\n');
}
