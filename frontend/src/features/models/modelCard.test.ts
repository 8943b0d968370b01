import { describe, expect, it } from "vitest";
import { cardCalibration, cardMetrics } from "./modelCard";

describe("model card", () => {
  it("reads a model card's metrics defensively", () => {
    expect(cardMetrics({ test: { auprc: 0.7, prevalence: 0.002, junk: "x" } }, "test")).toEqual({ auprc: 0.7, prevalence: 0.002 });
    expect(cardMetrics({}, "validation")).toEqual({});
    expect(cardMetrics({ validation: "oops" }, "validation")).toEqual({});
  });

  it("reads the calibration defensively, keeping only well-formed reliability bins", () => {
    const metrics = {
      calibration: {
        method: "isotonic",
        brier: 0.0011,
        brier_before: 0.0014,
        reliability: [{ mean_predicted: 0.01, fraud_rate: 0.012, rows: 900 }, { mean_predicted: "x" }, null],
      },
    };
    expect(cardCalibration(metrics)).toEqual({
      method: "isotonic",
      brier: 0.0011,
      brier_before: 0.0014,
      reliability: [{ mean_predicted: 0.01, fraud_rate: 0.012, rows: 900 }],
    });
    expect(cardCalibration({})).toBeNull();
    expect(cardCalibration({ calibration: { brier: 1 } })).toBeNull();
  });
});
