/** Helpers for the Markdown files `gen` keeps up to date: generated regions between markers, and safe table cells. */

/** Replaces what lies between `<!-- name:start -->` and `<!-- name:end -->` with `body`. */
export function replaceMarked(text: string, name: string, body: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`missing the ${start} … ${end} markers`);
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`;
}

export function hasMarkers(text: string, name: string): boolean {
  const from = text.indexOf(`<!-- ${name}:start -->`);
  return from >= 0 && text.indexOf(`<!-- ${name}:end -->`) > from;
}

/** Text safe inside a Markdown table cell: one line, pipes escaped, tag-like `<` shown rather than parsed as HTML. */
export function cell(text: string): string {
  return text
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/<(?=[A-Za-z/!?])/g, '&lt;');
}
