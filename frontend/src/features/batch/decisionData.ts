// A row's decision shaped for the page: the band its score fell in and the reasons behind it. Pure, so they are
// tested without a browser. The server types `reasons` and `band` loosely (a dict, a string): they are read
// defensively here, and anything malformed is treated as absent rather than breaking a row.
import type { Batch, PredictionRow } from "../../api/client";

// --- bands -------------------------------------------------------------------------------------------

export type Band = "approve" | "review" | "decline";

export function bandOf(row: Pick<PredictionRow, "band">): Band | null {
  const band = row.band;
  return band === "approve" || band === "review" || band === "decline" ? band : null;
}

export interface Bands {
  review_at: number;
  decline_at: number;
}

export function bandsOf(batch: Pick<Batch, "bands">): Bands | null {
  const b = batch.bands;
  if (!b) return null;
  const { review_at: review, decline_at: decline } = b;
  return typeof review === "number" && typeof decline === "number" ? { review_at: review, decline_at: decline } : null;
}

// --- reasons -----------------------------------------------------------------------------------------

export interface Reason {
  feature: string;
  value: number;
  contribution: number;
}

export interface Reasons {
  method: string;
  top: Reason[];
}

function isReason(x: unknown): x is Reason {
  if (!x || typeof x !== "object") return false;
  const r = x as Record<string, unknown>;
  return typeof r.feature === "string" && typeof r.value === "number" && typeof r.contribution === "number";
}

export function reasonsOf(row: Pick<PredictionRow, "reasons">): Reasons | null {
  const reasons = row.reasons;
  if (!reasons || !Array.isArray(reasons.top)) return null;
  const top = reasons.top.filter(isReason);
  if (!top.length) return null;
  return { method: typeof reasons.method === "string" ? reasons.method : "unknown method", top };
}

/**
 * What a row's reason numbers are, in a sentence for under the list. The server's occlusion method
 * (monitoring/explain.py) gives each feature the score's drop when that one value is set to its training
 * median: deltas measured one at a time, not shares of the score, so they need not add up to it.
 */
export function reasonsCaption(method: string): string {
  if (method.startsWith("occlusion")) {
    return (
      "Each number is an occlusion delta: how much higher this row's score is than it would be with that one feature " +
      "set to its training median, the others unchanged. Measured one feature at a time, the deltas need not add up to the score."
    );
  }
  return "Each number is the feature's signed contribution to this row's score, by the method named below.";
}

const MINUS = "\u2212";

/** A signed number with a true minus sign: 0.5438 → "+0.544", -0.0123 → "−0.012". */
export function fmtSigned(x: number, digits = 3): string {
  const text = Math.abs(x).toFixed(digits);
  if (Number(text) === 0) return (0).toFixed(digits);
  return `${x < 0 ? MINUS : "+"}${text}`;
}

const grouped = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2, minimumFractionDigits: 2 });

/** A feature's value in the row: two decimals, grouped, with a true minus sign. */
export function fmtFeatureValue(x: number): string {
  return grouped.format(x).replace("-", MINUS);
}
