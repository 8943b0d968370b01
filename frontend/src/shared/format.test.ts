import { describe, expect, it } from "vitest";
import { fmtBytes, fmtInt, fmtLift, fmtPercent, fmtProbability, fmtScore, shortVersion, versionBuiltAt } from "./format";

describe("format", () => {
  it("prints small rates with enough digits", () => {
    expect(fmtPercent(0.0017315)).toBe("0.173%");
    expect(fmtPercent(0.05)).toBe("5.00%");
    expect(fmtPercent(0.4)).toBe("40.0%");
    expect(fmtPercent(0)).toBe("0%");
    expect(fmtPercent(null)).toBe("—");
  });

  it("prints scores, integers, bytes and probabilities", () => {
    expect(fmtScore(0.71234)).toBe("0.712");
    expect(fmtScore(undefined)).toBe("—");
    expect(fmtInt(284807)).toBe("284,807");
    expect(fmtBytes(512)).toBe("512 B");
    expect(fmtBytes(26_000_000)).toBe("25 MB");
    expect(fmtBytes(3_500_000)).toBe("3.3 MB");
    expect(fmtProbability(0.00001)).toBe("<0.0001");
    expect(fmtProbability(0.999999)).toBe(">0.9999");
    expect(fmtProbability(0.12345)).toBe("0.1235");
  });

  it("compares AUPRC with a random model", () => {
    expect(fmtLift(0.7, 0.0017)).toBe("412× random");
    expect(fmtLift(0.05, 0.01)).toBe("5.0× random");
    expect(fmtLift(0.5, 0)).toBe("—");
  });

  it("shortens model versions and reads their build time", () => {
    const version = "mlp-64x32-d0.2-lr0.001-20261123T122700-1a2b3c4d";
    expect(shortVersion(version)).toBe("mlp · 1a2b3c");
    expect(versionBuiltAt(version)).toBe("2026-11-23T12:27:00.000Z");
    expect(shortVersion("hand-made")).toBe("hand-made");
    expect(versionBuiltAt("hand-made")).toBeNull();
  });
});
