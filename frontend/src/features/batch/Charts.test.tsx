import { render, screen } from "@testing-library/react";
import { beforeAll, describe, expect, it } from "vitest";
import { bins } from "../../test/fixtures";
import { PrCurveChart } from "./PrCurveChart";
import { ScoreHistogram } from "./ScoreHistogram";

beforeAll(() => {
  // jsdom has no layout: give the charting library a size to draw into.
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
});

describe("charts", () => {
  it("describe themselves for screen readers and carry a legend", () => {
    render(
      <PrCurveChart
        points={[
          { recall: 0, precision: 1, threshold: null },
          { recall: 0.5, precision: 0.9, threshold: 0.95 },
          { recall: 1, precision: 0.01, threshold: 0.01 },
        ]}
        prevalence={0.0017}
        auprc={0.71}
        operating={{ recall: 0.7, precision: 0.8, threshold: 0.87 }}
      />,
    );
    expect(screen.getByRole("figure")).toHaveAccessibleName(/AUPRC 0\.710 against a random baseline of 0\.170%/);
    expect(screen.getByRole("figure")).toHaveTextContent("Threshold 0.8700");
  });

  it("split the histogram by true class", () => {
    render(<ScoreHistogram bins={bins} threshold={0.6} />);
    expect(screen.getByRole("figure")).toHaveTextContent("LegitimateFraudThreshold 0.6000");
  });

  it("fall back to all rows when the file had no labels", () => {
    render(<ScoreHistogram bins={bins.map((b) => ({ ...b, unlabeled: b.legit + b.fraud, legit: 0, fraud: 0 }))} threshold={0.6} />);
    expect(screen.getByRole("figure")).toHaveTextContent("All rows (no labels)");
  });
});
