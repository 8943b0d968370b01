import { describe, expect, it } from "vitest";
import { bins, labeledBatch, unlabeledBatch } from "../test/fixtures";
import { binLabelFor, cardMetrics, histogramRows, trendRows } from "./chartData";

describe("chart data", () => {
  it("turns histogram counts into shares of each class", () => {
    const rows = histogramRows(bins);
    expect(rows.map((r) => r.legit)).toEqual([0.9, 0.1]);
    expect(rows.map((r) => r.fraud)).toEqual([0.2, 0.8]);
    expect(rows.map((r) => r.unlabeled)).toEqual([0, 0]);
    expect(rows[1]).toMatchObject({ label: "0.50", legitCount: 10, fraudCount: 8 });
  });

  it("finds the bin a threshold falls in, including 1.0", () => {
    const rows = histogramRows(bins);
    expect(binLabelFor(rows, 0.2)).toBe("0.00");
    expect(binLabelFor(rows, 0.5)).toBe("0.50");
    expect(binLabelFor(rows, 1)).toBe("0.50");
  });

  it("orders batches oldest first for the trend", () => {
    const rows = trendRows([{ ...labeledBatch, id: 9 }, unlabeledBatch, labeledBatch]);
    expect(rows.map((r) => r.key)).toEqual(["#7", "#8", "#9"]);
    expect(rows[1]?.auprc).toBeNull();
    expect(rows[0]?.auprc).toBe(0.7123);
  });

  it("reads a model card's metrics defensively", () => {
    expect(cardMetrics({ test: { auprc: 0.7, prevalence: 0.002, junk: "x" } }, "test")).toEqual({ auprc: 0.7, prevalence: 0.002 });
    expect(cardMetrics({}, "validation")).toEqual({});
    expect(cardMetrics({ validation: "oops" }, "validation")).toEqual({});
  });
});
