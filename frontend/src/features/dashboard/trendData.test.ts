import { describe, expect, it } from "vitest";
import { labeledBatch, unlabeledBatch } from "../../test/fixtures";
import { trendRows } from "./trendData";

describe("chart data", () => {
  it("orders batches oldest first for the trend", () => {
    const rows = trendRows([{ ...labeledBatch, id: 9 }, unlabeledBatch, labeledBatch]);
    expect(rows.map((r) => r.key)).toEqual(["#7", "#8", "#9"]);
    expect(rows[1]?.auprc).toBeNull();
    expect(rows[0]?.auprc).toBe(0.7123);
  });
});
