import { describe, expect, it } from "vitest";
import { cardMetrics } from "./modelCard";

describe("model card", () => {
  it("reads a model card's metrics defensively", () => {
    expect(cardMetrics({ test: { auprc: 0.7, prevalence: 0.002, junk: "x" } }, "test")).toEqual({ auprc: 0.7, prevalence: 0.002 });
    expect(cardMetrics({}, "validation")).toEqual({});
    expect(cardMetrics({ validation: "oops" }, "validation")).toEqual({});
  });
});
