/**
 * Plain-text tables for a terminal: columns padded to their widest cell, two spaces between them,
 * the last column left ragged so long text does not drag trailing spaces along.
 */
export function renderTable(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return alignColumns([head, ...rows]);
}

/** Aligns rows as columns without a header line (key/value lists). */
export function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const columns = Math.max(0, ...rows.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_unused, column) =>
    Math.max(0, ...rows.map((row) => displayWidth(row[column] ?? ''))),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        column === cells.length - 1 ? cell : cell + ' '.repeat((widths[column] ?? 0) - displayWidth(cell)),
      )
      .join('  ')
      .trimEnd();
  return rows.map(line);
}

/** Counts code points, not UTF-16 units, so an en dash or an accented name does not shift a column. */
export function displayWidth(text: string): number {
  return [...text].length;
}

/** Cuts text to `max` code points, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}
