import { describe, expect, it } from "vitest";
import { bins } from "../../test/fixtures";
import { binPosition, edgeTicks, edgeValue, histogramRows } from "./histogramData";

describe("chart data", () => {
  it("turns histogram counts into shares of each class", () => {
    const rows = histogramRows(bins);
    expect(rows.map((r) => r.legit)).toEqual([0.9, 0.1]);
    expect(rows.map((r) => r.fraud)).toEqual([0.2, 0.8]);
    expect(rows.map((r) => r.unlabeled)).toEqual([0, 0]);
    expect(rows[1]).toMatchObject({ label: "0.50", legitCount: 10, fraudCount: 8 });
  });

  it("places a value where it falls inside its bin, the ends included", () => {
    const rows = histogramRows(bins); // [0, 0.5) and [0.5, 1]
    expect(binPosition(rows, 0.2)).toBeCloseTo(0.4);
    expect(binPosition(rows, 0.5)).toBe(1);
    expect(binPosition(rows, 0.0329)).toBeCloseTo(0.0658);
    expect(binPosition(rows, 1)).toBe(2);
    expect(binPosition(rows, 0)).toBe(0);
    expect(binPosition(rows, 1.2)).toBeUndefined();
  });

  it("labels the bin edges with their values", () => {
    const twenty = histogramRows(Array.from({ length: 20 }, (_, i) => ({ start: i / 20, end: (i + 1) / 20, legit: 1, fraud: 0, unlabeled: 0 })));
    expect(edgeTicks(twenty, 4)).toEqual([0, 4, 8, 12, 16, 20]);
    expect(edgeTicks(twenty, 3)).toEqual([0, 3, 6, 9, 12, 15, 18, 20]);
    expect(edgeValue(twenty, 4)).toBeCloseTo(0.2);
    expect(edgeValue(twenty, 20)).toBe(1);
    // the 0.0329 threshold lands 0.658 of the way into the first 0.05-wide bin, not at its middle
    expect(binPosition(twenty, 0.0329)).toBeCloseTo(0.658);
  });
});
