import { describe, expect, it } from "vitest";
import { explainedRows, labeledBatch, OCCLUSION, unlabeledBatch } from "../../test/fixtures";
import { bandOf, bandsOf, fmtFeatureValue, fmtSigned, reasonsCaption, reasonsOf } from "./decisionData";

describe("bands", () => {
  it("reads a row's band and ignores anything else", () => {
    expect(explainedRows.map(bandOf)).toEqual(["decline", "review", "approve"]);
    expect(bandOf({ band: null })).toBeNull();
    // Data from an older or foreign server can break the schema; the reader must not.
    expect(bandOf({ band: "maybe" } as unknown as Parameters<typeof bandOf>[0])).toBeNull();
    expect(bandOf({})).toBeNull();
  });

  it("reads a batch's bands, null before they were recorded", () => {
    expect(bandsOf(labeledBatch)).toEqual({ review_at: 0.43656, decline_at: 0.87312 });
    expect(bandsOf({ ...unlabeledBatch, bands: null })).toBeNull();
    expect(bandsOf({ bands: { review_at: 0.1 } })).toBeNull();
  });
});

describe("reasons", () => {
  it("reads the method and the signed contributions", () => {
    const reasons = reasonsOf(explainedRows[0]!);
    expect(reasons?.method).toBe(OCCLUSION);
    expect(reasons?.top.map((r) => [r.feature, r.contribution])).toEqual([
      ["V14", 0.41],
      ["V4", 0.22],
      ["Amount", -0.05],
    ]);
  });

  it("treats missing or malformed reasons as none", () => {
    expect(reasonsOf(explainedRows[1]!)).toBeNull();
    const malformed = (row: unknown) => row as Parameters<typeof reasonsOf>[0];
    expect(reasonsOf(malformed({ reasons: { method: "x", top: "nope" } }))).toBeNull();
    expect(reasonsOf(malformed({ reasons: { method: "x", top: [{ feature: "V1" }] } }))).toBeNull();
    expect(reasonsOf(malformed({ reasons: { top: [{ feature: "V1", value: 1, contribution: 0.1 }] } }))?.method).toBe(
      "unknown method",
    );
  });

  it("say what the reason numbers are: occlusion deltas, which need not add up to the score", () => {
    expect(reasonsCaption(OCCLUSION)).toMatch(/^Each number is an occlusion delta: .*training median.*need not add up to the score\.$/);
    expect(reasonsCaption("shap")).toBe("Each number is the feature's signed contribution to this row's score, by the method named below.");
  });

  it("formats signs with a true minus", () => {
    expect(fmtSigned(0.5438)).toBe("+0.544");
    expect(fmtSigned(-0.0123)).toBe("\u22120.012");
    expect(fmtSigned(-0.00001)).toBe("0.000");
    expect(fmtFeatureValue(-5.7949)).toBe("\u22125.79");
    expect(fmtFeatureValue(12345.6)).toBe("12,345.60");
  });
});
