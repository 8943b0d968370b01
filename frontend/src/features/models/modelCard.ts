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

export interface ReliabilityBin {
  mean_predicted: number;
  fraud_rate: number;
  rows: number;
}

export interface CardCalibration {
  method: string;
  brier?: number;
  brier_before?: number;
  reliability: ReliabilityBin[];
}

/** The calibration training folded into the served graph (metrics.calibration), or null for a model
 * exported before calibration existed. */
export function cardCalibration(metrics: Record<string, unknown>): CardCalibration | null {
  const part = metrics["calibration"];
  if (!part || typeof part !== "object") return null;
  const c = part as Record<string, unknown>;
  if (typeof c.method !== "string") return null;
  const bins = Array.isArray(c.reliability) ? c.reliability : [];
  const reliability = bins.filter(
    (b): b is ReliabilityBin =>
      !!b && typeof b === "object" && ["mean_predicted", "fraud_rate", "rows"].every((k) => typeof (b as Record<string, unknown>)[k] === "number"),
  );
  return {
    method: c.method,
    brier: typeof c.brier === "number" ? c.brier : undefined,
    brier_before: typeof c.brier_before === "number" ? c.brier_before : undefined,
    reliability,
  };
}
