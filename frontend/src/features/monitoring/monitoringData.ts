// Monitoring figures shaped for the page: drift and stream runs. Pure, so they are tested without a browser.
import type { Batch, BatchDrift, DriftReport, FeatureDrift, LatencyHistogram, StreamMetrics, StreamRun } from "../../api/client";
import { numberField } from "../../shared/fields";
import { DASH, fmtInt } from "../../shared/format";

// --- drift -------------------------------------------------------------------------------------------

export const PSI_FLAG = 0.2;
export const PSI_MODERATE = 0.1;

/** Features from the most to the least drifted (by PSI). */
export function featuresByPsi(report: DriftReport): FeatureDrift[] {
  return [...report.features].sort((a, b) => b.psi - a.psi || a.feature.localeCompare(b.feature));
}

/** A p-value readable at its small end. */
export function fmtP(p: number): string {
  if (p < 0.001) return "p < 0.001";
  return `p = ${p.toFixed(3)}`;
}

export function fmtPsi(psi: number): string {
  return psi >= 10 ? psi.toFixed(1) : psi >= 1 ? psi.toFixed(2) : psi.toFixed(3);
}

export interface DriftTrendRow {
  key: string;
  id: number;
  filename: string;
  created_at: string;
  /** the largest feature PSI, or null when the batch has no drift report */
  maxPsi: number | null;
  maxFeature: string | null;
  /** maxPsi clamped to the chart's log axis */
  psiPlot: number | null;
  drifted: number | null;
  driftedFeatures: string[];
  reason: string | null;
}

export const PSI_AXIS_FLOOR = 0.001;

/** One row per batch in upload order (oldest first), from the batches and their drift answers. */
export function driftTrendRows(batches: Batch[], drifts: BatchDrift[]): DriftTrendRow[] {
  const byId = new Map(drifts.map((d) => [d.batch_id, d]));
  return [...batches]
    .filter((b) => byId.has(b.id))
    .sort((a, b) => a.id - b.id)
    .map((b) => {
      const drift = byId.get(b.id);
      const report = drift?.report ?? null;
      const top = report ? featuresByPsi(report)[0] : undefined;
      return {
        key: `#${b.id}`,
        id: b.id,
        filename: b.filename,
        created_at: b.created_at,
        maxPsi: top ? top.psi : null,
        maxFeature: top ? top.feature : null,
        psiPlot: top ? Math.max(top.psi, PSI_AXIS_FLOOR) : null,
        drifted: report ? report.drifted_features.length : null,
        driftedFeatures: report ? report.drifted_features : [],
        reason: drift?.reason ?? null,
      };
    });
}

/** A log axis from a power of ten below the smallest value (and 0.05) to one above the largest (and 0.3). */
export function psiAxis(rows: DriftTrendRow[]): { domain: [number, number]; ticks: number[] } {
  const values = rows.map((r) => r.psiPlot).filter((v): v is number => v !== null);
  const low = Math.min(0.05, ...values);
  const high = Math.max(0.3, ...values);
  const lo = 10 ** Math.floor(Math.log10(low));
  const hi = 10 ** Math.ceil(Math.log10(high));
  const ticks: number[] = [];
  // powers of ten and the 0.2 flag (0.1 would sit on top of it)
  for (let t = lo; t <= hi * 1.0001; t *= 10) {
    const tick = Number(t.toPrecision(1));
    if (tick !== 0.1) ticks.push(tick);
  }
  ticks.push(PSI_FLAG);
  ticks.sort((a, b) => a - b);
  return { domain: [lo, hi], ticks };
}

export interface DriftTally {
  feature: string;
  batches: number; // how many of the batches it drifted in
  lastBatchId: number;
}

/** Which features drifted in how many batches, most often first (then most recently). */
export function driftTally(rows: DriftTrendRow[]): DriftTally[] {
  const tally = new Map<string, DriftTally>();
  for (const row of rows) {
    for (const feature of row.driftedFeatures) {
      const t = tally.get(feature) ?? { feature, batches: 0, lastBatchId: row.id };
      t.batches += 1;
      t.lastBatchId = Math.max(t.lastBatchId, row.id);
      tally.set(feature, t);
    }
  }
  return [...tally.values()].sort((a, b) => b.batches - a.batches || b.lastBatchId - a.lastBatchId || a.feature.localeCompare(b.feature));
}

// --- stream runs -------------------------------------------------------------------------------------

/** Milliseconds with as many digits as their size needs: 0.842 → "0.84", 17.64 → "17.6", 215.3 → "215". */
export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return DASH;
  if (ms < 1) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return fmtInt(Math.round(ms));
}

/** A bin edge for an axis tick: three significant digits, no trailing zeros. */
export function fmtEdge(ms: number): string {
  if (ms >= 100) return fmtInt(Math.round(ms));
  return String(Number(ms.toPrecision(3)));
}

export interface LatencyRow {
  key: string;
  label: string;
  start: number;
  end: number;
  count: number;
  share: number;
}

/** Bars of the latency histogram, each labelled by its lower edge (bins are log-spaced). */
export function latencyRows(histogram: LatencyHistogram): LatencyRow[] {
  const { edges_ms: edges, counts } = histogram;
  const total = counts.reduce((sum, c) => sum + c, 0);
  return counts.slice(0, Math.max(edges.length - 1, 0)).map((count, i) => ({
    key: String(i),
    label: fmtEdge(edges[i] ?? 0),
    start: edges[i] ?? 0,
    end: edges[i + 1] ?? 0,
    count,
    share: total ? count / total : 0,
  }));
}

/** The bar a latency falls in (the axis is categorical); the last bar holds everything slower. */
export function latencyBinKey(rows: LatencyRow[], ms: number): string | undefined {
  const last = rows[rows.length - 1];
  if (last && ms >= last.start) return last.key;
  return rows.find((r) => ms >= r.start && ms < r.end)?.key ?? rows[0]?.key;
}

export interface StreamQuality {
  precision: number | null; // null when nothing was flagged
  recall: number | null; // null when the replayed rows held no fraud
  f1: number | null;
  note: string | null;
}

/** Precision, recall and F1 of a replay's decisions, with undefined ratios left undefined. */
export function streamQuality(metrics: StreamMetrics | null): StreamQuality | null {
  if (!metrics) return null;
  const { tp, fp, fn } = metrics.confusion;
  const flagged = tp + fp;
  const frauds = tp + fn;
  const precision = flagged ? metrics.precision : null;
  const recall = frauds ? metrics.recall : null;
  const f1 = precision !== null && recall !== null ? metrics.f1 : null;
  const notes = [frauds ? null : "no fraud among the rows replayed", flagged ? null : "none flagged"].filter(Boolean);
  return { precision, recall, f1, note: notes.length ? notes.join(", ") : null };
}

/** The prediction-log window a run covered: it is recorded when it ends, after `seconds` of sending. */
export function runWindow(run: StreamRun, slackSeconds = 2): { since: string; until: string } | null {
  const end = new Date(run.created_at).getTime();
  if (Number.isNaN(end)) return null;
  const start = end - (run.summary.seconds + slackSeconds) * 1000;
  return { since: new Date(start).toISOString(), until: new Date(end + 1000).toISOString() };
}

export function settingsText(settings: Record<string, unknown>): string {
  const parts: string[] = [];
  const rate = numberField(settings, "rate");
  const speed = numberField(settings, "speed");
  const concurrency = numberField(settings, "concurrency");
  const limit = numberField(settings, "limit");
  if (rate !== undefined) parts.push(`${fmtInt(rate)} tx/s`);
  if (speed !== undefined) parts.push(`Time × ${fmtInt(speed)}`);
  if (concurrency !== undefined) parts.push(`concurrency ${concurrency}`);
  if (limit !== undefined) parts.push(`first ${fmtInt(limit)} rows`);
  return parts.join(" · ");
}
