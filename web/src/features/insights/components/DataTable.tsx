import type { ReactNode } from 'react';

import { type Column, csvName, downloadCsv, toCsv } from '../csv';

export interface TableColumn<T> extends Column<T> {
  /** What the cell shows (default: the CSV value). */
  render?: (row: T) => ReactNode;
  numeric?: boolean;
}

/** A table of figures with a CSV download of exactly its rows. */
export function DataTable<T>({
  title,
  file,
  rows,
  columns,
  rowKey,
  empty = 'Nothing in this range.',
}: {
  title: string;
  /** The tree (or page) the file is named after. */
  file: string;
  rows: readonly T[];
  columns: readonly TableColumn<T>[];
  rowKey: (row: T, index: number) => string;
  empty?: string;
}) {
  return (
    <section className="card insight-table" aria-label={title}>
      <div className="card-header">
        <h2>{title}</h2>
        <button
          type="button"
          className="button small"
          aria-label={`Download ${title} as CSV`}
          onClick={() => downloadCsv(csvName(file, title), toCsv(rows, columns))}
        >
          Download CSV
        </button>
      </div>
      {rows.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c.header} scope="col" className={c.numeric ? 'numeric' : undefined}>
                    {c.header}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row, i) => (
                <tr key={rowKey(row, i)}>
                  {columns.map((c) => (
                    <td key={c.header} className={c.numeric ? 'numeric' : undefined}>
                      {c.render ? c.render(row) : c.value(row)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
