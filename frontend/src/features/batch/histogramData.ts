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

/** The bin label the threshold falls in (the histogram's x axis is categorical). */
export function binLabelFor(rows: HistogramRow[], value: number): string | undefined {
  const row = rows.find((r, i) => value >= r.start && (value < r.end || i === rows.length - 1));
  return row?.label;
}
