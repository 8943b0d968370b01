import { describe, expect, it } from "vitest";
import { fmtBytes, fmtInt, fmtLift, fmtPercent, fmtProbability, fmtScore, fmtThreshold, plural, shortVersion, versionBuiltAt } from "./format";

describe("format", () => {
  it("prints small rates with enough digits", () => {
    expect(fmtPercent(0.0017315)).toBe("0.173%");
    expect(fmtPercent(0.05)).toBe("5.00%");
    expect(fmtPercent(0.4)).toBe("40.0%");
    expect(fmtPercent(0)).toBe("0%");
    expect(fmtPercent(null)).toBe("—");
  });

  it("never rounds a share to 100% or 0% that is not exactly that", () => {
    expect(fmtPercent(6239 / 6241)).toBe("99.97%"); // 99.968 %, which one decimal would print as "100.0%"
    expect(fmtPercent(0.99976)).toBe("99.98%");
    expect(fmtPercent(0.99996)).toBe("99.996%");
    expect(fmtPercent(0.9999996)).toBe(">99.999%");
    expect(fmtPercent(1 - 1e-12)).toBe(">99.999%");
    expect(fmtPercent(1)).toBe("100%");
    expect(fmtPercent(0.0000004)).toBe("0.00004%");
    expect(fmtPercent(1e-12)).toBe("<0.00001%");
    expect(fmtPercent(0.999)).toBe("99.9%");
  });

  it("never rounds a score to 1 or 0 that is not exactly that", () => {
    expect(fmtScore(0.99976)).toBe("0.9998");
    expect(fmtScore(1)).toBe("1.000");
    expect(fmtScore(0.0002)).toBe("0.0002");
    expect(fmtScore(0)).toBe("0.000");
    expect(fmtScore(0.999994)).toBe("0.99999");
    expect(fmtScore(1 - 1e-9)).toBe(">0.99999");
    expect(fmtScore(2.5)).toBe("2.500"); // beyond 0..1 (a PSI, say) it is a plain number
  });

  it("prints thresholds one way everywhere and counts with their nouns", () => {
    expect(fmtThreshold(0.0329118)).toBe("0.0329");
    expect(fmtThreshold(0.99999)).toBe("0.99999");
    expect(fmtThreshold(undefined)).toBe("—");
    expect(plural(1, "false alarm")).toBe("1 false alarm");
    expect(plural(0, "false alarm")).toBe("0 false alarms");
    expect(plural(2400, "correct pass", "correct passes")).toBe("2,400 correct passes");
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
