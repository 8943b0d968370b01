// Small pure helpers for the review pages.
export type { ReviewItem } from "./reviewApi";

const money = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** An Amount as the data set gives it (no currency is named there). */
export function fmtAmount(amount: number): string {
  return money.format(amount);
}

/** Where an item came from, in words. */
export function originOf(item: { source: string; batch_id: number | null; row_number: number | null; request_id: string | null }): string {
  if (item.source === "live") return `live prediction ${item.request_id ?? ""}`.trim();
  return `batch #${item.batch_id ?? "?"}, row ${item.row_number ?? "?"} (CSV line ${(item.row_number ?? 0) + 2})`;
}

/** A reviewer's capacity, kept in this browser between visits. */
export const CAPACITY_KEY = "fraudops.review.capacity";

export function storedCapacity(storage: Pick<Storage, "getItem"> | undefined, fallback: number): number {
  const value = Number(storage?.getItem(CAPACITY_KEY));
  return Number.isInteger(value) && value >= 1 && value <= 1_000_000 ? value : fallback;
}
