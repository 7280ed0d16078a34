/** One field of a message header: its name in lower case, its value unfolded, and the field as written. */
export interface HeaderField {
  name: string;
  value: string;
  /** The field as it stands in the header, folded lines and all, without the line break that ends it. */
  raw: string;
}

/**
 * The fields of a header block (or of a block written like one, such as a delivery-status part), in
 * order: a line that starts with white space continues the field above it; a line without a name
 * before a colon (the blank line that ends a header) is no field.
 */
export function headerFields(header: string): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const raw of header.split(/\r?\n(?![ \t])/)) {
    const colon = raw.indexOf(':');
    if (colon <= 0) continue;
    fields.push({
      name: raw.slice(0, colon).trim().toLowerCase(),
      value: raw
        .slice(colon + 1)
        .replace(/\r?\n[ \t]+/g, ' ')
        .trim(),
      raw,
    });
  }
  return fields;
}

/** The value of the first field of each name in a header block, by lower-case name. */
export function firstFields(header: string): Map<string, string> {
  const first = new Map<string, string>();
  for (const { name, value } of headerFields(header)) if (!first.has(name)) first.set(name, value);
  return first;
}
