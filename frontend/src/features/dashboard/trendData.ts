// Shapes the batches into the rows of the AUPRC trend chart. Pure, so it is tested without a browser.
import type { Batch } from "../../api/client";

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
