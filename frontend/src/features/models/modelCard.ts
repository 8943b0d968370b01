// Reads a model card's loosely typed metrics. Pure, so it is tested without a browser.

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
