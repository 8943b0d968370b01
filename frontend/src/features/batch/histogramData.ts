// Shapes the score histogram's bins into the rows its chart draws. Pure, so it is tested without a browser.
import type { HistogramBin } from "../../api/client";

export interface HistogramRow {
  label: string;
  start: number;
  end: number;
  legit: number; // share of the legitimate rows falling in the bin (0..1)
  fraud: number;
  unlabeled: number;
  legitCount: number;
  fraudCount: number;
  unlabeledCount: number;
}

export function histogramRows(bins: HistogramBin[]): HistogramRow[] {
  const total = (key: "legit" | "fraud" | "unlabeled") => bins.reduce((sum, b) => sum + b[key], 0);
  const legit = total("legit");
  const fraud = total("fraud");
  const unlabeled = total("unlabeled");
  return bins.map((b) => ({
    label: b.start.toFixed(2),
    start: b.start,
    end: b.end,
    legit: legit ? b.legit / legit : 0,
    fraud: fraud ? b.fraud / fraud : 0,
    unlabeled: unlabeled ? b.unlabeled / unlabeled : 0,
    legitCount: b.legit,
    fraudCount: b.fraud,
    unlabeledCount: b.unlabeled,
  }));
}

// The bars sit on a categorical axis, one equal slot per bin; a second, numeric axis runs over the same width in
// bin units (0 at the first bin's start, n at the last bin's end). A value drawn on it lands where it falls
// inside its bin, not at the bin's middle: a threshold of 0.033 sits two thirds into the 0–0.05 bin.

/** Where `value` sits on the axis, in bin units (i + the fraction of bin i below it); undefined off the bins. */
export function binPosition(rows: HistogramRow[], value: number): number | undefined {
  const i = rows.findIndex((r, k) => value >= r.start && (value < r.end || (k === rows.length - 1 && value <= r.end)));
  const row = rows[i];
  if (!row) return undefined;
  const width = row.end - row.start;
  return i + (width > 0 ? (value - row.start) / width : 0);
}

/** The value at a bin edge (0 … n): the start of bin i, or the last bin's end. */
export function edgeValue(rows: HistogramRow[], edge: number): number | undefined {
  return edge === rows.length ? rows[rows.length - 1]?.end : rows[edge]?.start;
}

/** Edges to label: every `step`-th one, and always both ends. */
export function edgeTicks(rows: HistogramRow[], step: number): number[] {
  const ticks: number[] = [];
  for (let edge = 0; edge <= rows.length; edge += step) ticks.push(edge);
  if (ticks[ticks.length - 1] !== rows.length) ticks.push(rows.length);
  return ticks;
}
