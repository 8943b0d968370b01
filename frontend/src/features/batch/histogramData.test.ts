import { describe, expect, it } from "vitest";
import { bins } from "../../test/fixtures";
import { binLabelFor, histogramRows } from "./histogramData";

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
});
