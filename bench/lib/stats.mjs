/** Small statistics for benchmark reports: medians over repeated runs, Prometheus histogram means. */

export function median(values) {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function mean(values) {
  return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/**
 * The `_sum` and `_count` of a histogram (summed over its label sets) from Prometheus text, or
 * zeros when it is absent. Differences of two scrapes give the mean over the time between them.
 */
export function histogramTotals(metricsText, name) {
  let sum = 0;
  let count = 0;
  for (const line of metricsText.split('\n')) {
    if (line.startsWith(`${name}_sum`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    else if (line.startsWith(`${name}_count`)) count += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return { sum, count };
}

/** Mean of a histogram between two scrapes (`after` minus `before`), NaN when nothing was observed. */
export function histogramMeanBetween(before, after, name) {
  const a = histogramTotals(before, name);
  const b = histogramTotals(after, name);
  const count = b.count - a.count;
  return { count, mean: count > 0 ? (b.sum - a.sum) / count : Number.NaN };
}

export function formatNumber(value, digits = 0) {
  if (!Number.isFinite(value)) return '-';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A plain-text table with right-aligned columns, first column left-aligned. */
export function renderTable(header, rows) {
  const widths = header.map((cell, index) =>
    Math.max(cell.length, ...rows.map((row) => String(row[index]).length)),
  );
  const line = (cells) =>
    cells
      .map((cell, index) =>
        index === 0 ? String(cell).padEnd(widths[index]) : String(cell).padStart(widths[index]),
      )
      .join('  ');
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}
