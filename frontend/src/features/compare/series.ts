// Colours and labels shared by the comparison's charts and tables: each version keeps one colour everywhere.
import { ACCENT_COLOR, FRAUD_COLOR, LEGIT_COLOR, UNLABELED_COLOR } from "../../shared/chartStyle";

export const SERIES_COLORS: readonly string[] = [ACCENT_COLOR, LEGIT_COLOR, FRAUD_COLOR, UNLABELED_COLOR];

export function seriesColor(index: number): string {
  return SERIES_COLORS[index % SERIES_COLORS.length] ?? ACCENT_COLOR;
}

/** "version a" / "version b" as the server names the two sides of a pair. */
export function sideName(side: "a" | "b", a: string, b: string): string {
  return side === "a" ? a : b;
}

/** The bootstrap interval in words: whether b's AUPRC is reliably higher, lower, or not distinguishable. */
export function intervalVerdict(low: number, high: number): "higher" | "lower" | "unclear" {
  if (low > 0) return "higher";
  if (high < 0) return "lower";
  return "unclear";
}
