// Shapes the server's numbers into rows the charts draw. Pure, so they are tested without a browser.
import type { Batch, HistogramBin } from "../api/client";

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

export interface TrendRow {
  key: string;
  id: number;
  filename: string;
  created_at: string;
  auprc: number | null;
  prevalence: number | null;
  roc_auc: number | null;
}

/** Batches in upload order (oldest first); unlabeled ones stay as gaps so the order reads true. */
export function trendRows(batches: Batch[]): TrendRow[] {
  return [...batches]
    .sort((a, b) => a.id - b.id)
    .map((b) => ({
      key: `#${b.id}`,
      id: b.id,
      filename: b.filename,
      created_at: b.created_at,
      auprc: b.metrics?.auprc ?? null,
      prevalence: b.metrics?.prevalence ?? null,
      roc_auc: b.metrics?.roc_auc ?? null,
    }));
}

export interface CardMetrics {
  auprc?: number;
  prevalence?: number;
  roc_auc?: number;
  precision?: number;
  recall?: number;
  f1?: number;
}

/** A model card's metrics dict ({validation: {...}, test: {...}}) read defensively. */
export function cardMetrics(metrics: Record<string, unknown>, split: "validation" | "test"): CardMetrics {
  const part = metrics[split];
  if (!part || typeof part !== "object") return {};
  const out: CardMetrics = {};
  for (const key of ["auprc", "prevalence", "roc_auc", "precision", "recall", "f1"] as const) {
    const value = (part as Record<string, unknown>)[key];
    if (typeof value === "number") out[key] = value;
  }
  return out;
}

export function numberField(record: Record<string, unknown>, key: string): number | undefined {
  const value = record[key];
  return typeof value === "number" ? value : undefined;
}
