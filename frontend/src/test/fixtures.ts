import type { Batch, BatchDrift, DemoFile, FeatureDrift, HistogramBin, PredictionRow, Rejected, StreamRun } from "../api/client";

export const labeledBatch: Batch = {
  id: 7,
  sha256: "a".repeat(64),
  filename: "stream_1.csv",
  created_at: "2026-11-23T12:30:00Z",
  row_count: 46_202,
  labeled: true,
  fraud_count: 80,
  flagged_count: 70,
  threshold: 0.87312,
  model_version: "mlp-64x32-d0.2-lr0.001-20261123T122700-1a2b3c4d",
  metrics: {
    auprc: 0.7123,
    prevalence: 0.0017315,
    roc_auc: 0.9561,
    precision: 0.8,
    recall: 0.7,
    f1: 0.7466,
    threshold: 0.87312,
    confusion: { tn: 46_108, fp: 14, fn: 24, tp: 56 },
    rows: 46_202,
    frauds: 80,
  },
  metrics_reason: null,
  timings: { receive: 0.4, parse_validate: 0.2, score: 0.05, metrics: 0.03, store: 0.6 },
  bands: { review_at: 0.43656, decline_at: 0.87312 },
  role: "training",
  tags: null,
  hidden: false,
};

export const unlabeledBatch: Batch = {
  ...labeledBatch,
  id: 8,
  filename: "no_labels.csv",
  labeled: false,
  fraud_count: null,
  flagged_count: 12,
  metrics: null,
  metrics_reason: "the batch has no Class column, so there is nothing to compare against",
};

export const rows: PredictionRow[] = [
  { row_number: 0, id: null, amount: 149.62, time: 0, probability: 0.99, is_fraud: true, label: 1 },
  { row_number: 1, id: null, amount: 2.69, time: 406, probability: 0.95, is_fraud: true, label: 0 },
  { row_number: 2, id: null, amount: 378.66, time: 7519, probability: 0.01, is_fraud: false, label: 1 },
  { row_number: 3, id: null, amount: 123.5, time: 43200, probability: 0.00001, is_fraud: false, label: 0 },
];

export const rejected: Rejected = {
  detail: "the file was rejected with 120 problem(s); nothing was stored",
  problems: [
    { line: 3, column: "V3", message: "not a number: 'abc'" },
    { line: 5, column: "Amount", message: "must be ≥ 0" },
  ],
  total: 120,
};

export const bins: HistogramBin[] = [
  { start: 0, end: 0.5, legit: 90, fraud: 2, unlabeled: 0 },
  { start: 0.5, end: 1, legit: 10, fraud: 8, unlabeled: 0 },
];

export const demoFiles: DemoFile[] = [
  { name: "stream_1", filename: "stream_1.csv", rows: 46_202, size_bytes: 26_000_000, description: "the first portion" },
  { name: "holdout", filename: "holdout.csv", rows: 46_201, size_bytes: 25_900_000, description: "the latest transactions" },
];

export const OCCLUSION = "occlusion: score change when the feature is set to its training median";

/** Rows as the server sends them now: a band each, reasons on the flagged ones. */
export const explainedRows: PredictionRow[] = [
  {
    row_number: 12,
    amount: 1.0,
    time: 84692,
    id: null,
    probability: 0.97,
    is_fraud: true,
    label: 1,
    band: "decline",
    reasons: {
      method: OCCLUSION,
      top: [
        { feature: "V14", value: -9.12, contribution: 0.41 },
        { feature: "V4", value: 5.5, contribution: 0.22 },
        { feature: "Amount", value: 1.0, contribution: -0.05 },
      ],
    },
  },
  { row_number: 13, id: null, amount: 240.0, time: 90061, probability: 0.6, is_fraud: false, label: 0, band: "review", reasons: null },
  { row_number: 14, id: null, amount: 12.99, time: 172000, probability: 0.01, is_fraud: false, label: 0, band: "approve", reasons: null },
];

function feature(name: string, psi: number, status: FeatureDrift["status"]): FeatureDrift {
  return { feature: name, psi, ks_d: Math.min(psi, 0.9), ks_p: psi > 0.1 ? 1e-12 : 0.4, status };
}

export const DRIFT_METHOD = "PSI over reference deciles (flag at 0.2), Kolmogorov-Smirnov against reference quantiles";

export const batchDrift: BatchDrift = {
  batch_id: 7,
  model_version: labeledBatch.model_version,
  reason: null,
  report: {
    rows: 46_202,
    method: DRIFT_METHOD,
    drifted_features: ["V1", "hour_of_day"],
    score: { psi: 0.04, ks_d: 0.05, ks_p: 0.0002, status: "stable" },
    features: [
      feature("V2", 0.01, "stable"),
      feature("V1", 0.35, "drifted"),
      feature("V3", 0.15, "moderate"),
      feature("hour_of_day", 2.4, "drifted"),
      ...Array.from({ length: 8 }, (_, i) => feature(`V${i + 4}`, 0.001 * (i + 1), "stable")),
    ],
  },
};

export const noDrift: BatchDrift = {
  batch_id: 8,
  model_version: labeledBatch.model_version,
  report: null,
  reason: "scored before drift was recorded",
};

export const streamRun: StreamRun = {
  id: 3,
  created_at: "2026-11-23T13:24:45Z",
  source_file: "stream_2.csv",
  target: "api",
  summary: {
    sent: 200,
    answered: 198,
    errors: 2,
    seconds: 1.06,
    throughput_rps: 189.2,
    latency_ms: { p50: 17.64, p90: 26.7, p95: 33.72, p99: 38.91, mean: 18.8, max: 57.8 },
    histogram: { edges_ms: [6.5, 10, 15.4, 23.7, 36.4, 56], counts: [10, 60, 90, 30, 8] },
    metrics: { precision: 0.5, recall: 0.25, f1: 0.3333, confusion: { tn: 190, fp: 2, fn: 6, tp: 2 } },
    settings: { rate: 400, speed: null, concurrency: 4, limit: 200 },
  },
};

export const olderRun: StreamRun = {
  ...streamRun,
  id: 2,
  created_at: "2026-11-22T09:00:00Z",
  source_file: "stream_1.csv",
  summary: {
    ...streamRun.summary,
    errors: 0,
    answered: 200,
    latency_ms: { p50: 2.1, p90: 3, p95: 3.5, p99: 4.92, mean: 2.3, max: 9 },
    histogram: { edges_ms: [1, 2, 4, 8], counts: [50, 140, 10] },
    metrics: { precision: 0, recall: 0, f1: 0, confusion: { tn: 200, fp: 0, fn: 0, tp: 0 } },
  },
};
