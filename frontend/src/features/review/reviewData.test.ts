import { describe, expect, it } from "vitest";
import { boundsProblem } from "./BandsAdmin";
import { bandPairOf } from "./reviewApi";
import { CAPACITY_KEY, fmtAmount, originOf, storedCapacity } from "./reviewData";
import { queryOf } from "./ReviewPage";

describe("review helpers", () => {
  it("formats amounts with two decimals and names an item's origin", () => {
    expect(fmtAmount(1234.5)).toBe("1,234.50");
    expect(originOf({ source: "batch", batch_id: 3, row_number: 10, request_id: null })).toBe("batch #3, row 10 (CSV line 12)");
    expect(originOf({ source: "live", batch_id: null, row_number: null, request_id: "ab12" })).toBe("live prediction ab12");
  });
  it("keeps a stored capacity only when it is a sensible whole number", () => {
    const storage = (value: string | null) => ({ getItem: (key: string) => (key === CAPACITY_KEY ? value : null) });
    expect(storedCapacity(storage("250"), 100)).toBe(250);
    for (const bad of [null, "0", "-3", "2.5", "abc", "1e9"]) expect(storedCapacity(storage(bad), 100)).toBe(100);
    expect(storedCapacity(undefined, 100)).toBe(100);
  });
  it("reads the band policy's answer loosely", () => {
    expect(bandPairOf({ review_at: 0.2, decline_at: 0.6, source: "admin" })).toEqual({ review_at: 0.2, decline_at: 0.6 });
    expect(bandPairOf({ bands: { review_at: 0.1, decline_at: 0.5 } })).toEqual({ review_at: 0.1, decline_at: 0.5 });
    expect(bandPairOf({ review_at: "0.2" })).toBeNull();
    expect(bandPairOf(null)).toBeNull();
  });
  it("checks bounds the way the server does", () => {
    expect(boundsProblem(0.2, 0.6)).toBeNull();
    expect(boundsProblem(0.7, 0.6)).toMatch(/must not be above/);
    expect(boundsProblem(-0.1, 0.6)).toMatch(/between 0 and 1/);
    expect(boundsProblem(NaN, 0.6)).toMatch(/numbers/);
  });
  it("sends only the filters that are set, and never an unparsable amount", () => {
    const base = { band: "", source: "", labeled: "false", order: "score", model: "", min: "", max: "", q: "" } as const;
    expect(queryOf(base, 0)).toEqual({ labeled: false, order: "score", offset: 0, limit: 50 } as never);
    const q = queryOf({ ...base, band: "decline", source: "live", labeled: "", min: "10", max: "abc", q: " txn-1 " }, 50);
    expect(q).toMatchObject({ band: "decline", source: "live", amount_min: 10, q: "txn-1", offset: 50 });
    expect(q.amount_max).toBeUndefined();
    expect(q.labeled).toBeUndefined();
  });
});
