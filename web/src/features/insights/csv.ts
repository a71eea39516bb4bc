// CSV files of the analytics tables, made in the browser from the figures the page already
// shows: the file holds exactly what is on screen for the filters chosen, needs no second
// query, and no extra endpoint to secure. Pure apart from `downloadCsv`.

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | null | undefined;
}

// A cell a spreadsheet would run as a formula (=, +, -, @, tab, carriage return first) is kept
// as text with a leading apostrophe: a node title like "=HYPERLINK(...)" stays a title.
const FORMULA = /^[=+\-@\t\r]/;

function cell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** RFC 4180 text: a header line, then one line per row, CRLF line ends. */
export function toCsv<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const lines = [columns.map((c) => cell(c.header)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => cell(c.value(row))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** A file name from a title: "Printer jams - nodes.csv" -> "printer-jams-nodes.csv". */
export function csvName(...parts: string[]): string {
  const slug = parts
    .join(' ')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return `${slug.slice(0, 80) || 'table'}.csv`;
}

export function downloadCsv(name: string, text: string): void {
  // A byte-order mark first, so spreadsheet programs read the file as UTF-8.
  const url = URL.createObjectURL(new Blob(['\ufeff', text], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
