import { render, screen } from "@testing-library/react";
import { beforeAll, describe, expect, it } from "vitest";
import { labeledBatch } from "../../test/fixtures";
import { AuprcTrendChart } from "./AuprcTrendChart";

beforeAll(() => {
  // jsdom has no layout: give the charting library a size to draw into.
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
});

describe("charts", () => {
  it("summarise the AUPRC trend", () => {
    render(<AuprcTrendChart batches={[labeledBatch, { ...labeledBatch, id: 9, metrics: labeledBatch.metrics && { ...labeledBatch.metrics, auprc: 0.6 } }]} />);
    expect(screen.getByRole("figure")).toHaveAccessibleName("AUPRC of 2 labeled batches in upload order, from 0.712 to 0.600.");
  });
});
