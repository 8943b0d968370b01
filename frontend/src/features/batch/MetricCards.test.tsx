import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { labeledBatch, unlabeledBatch } from "../../test/fixtures";
import { ConfusionMatrix } from "./ConfusionMatrix";
import { MetricCards } from "./MetricCards";

describe("MetricCards", () => {
  it("shows AUPRC next to the prevalence, and every other metric", () => {
    render(<MetricCards batch={labeledBatch} />);
    const auprc = screen.getByTestId("metric-auprc");
    expect(auprc).toHaveTextContent("0.712");
    expect(auprc).toHaveTextContent("prevalence 0.173%");
    expect(auprc).toHaveTextContent("411× random");
    expect(screen.getByTestId("metric-roc_auc")).toHaveTextContent("0.956");
    expect(screen.getByTestId("metric-precision")).toHaveTextContent("56 of 70 flagged are fraud");
    expect(screen.getByTestId("metric-recall")).toHaveTextContent("56 of 80 frauds caught");
    expect(screen.getByTestId("metric-f1")).toHaveTextContent("0.747");
    expect(screen.getByTestId("metric-threshold")).toHaveTextContent("0.8731");
    const model = screen.getByTestId("metric-model");
    expect(model).toHaveTextContent("mlp · 1a2b3c");
    expect(within(model).getByTitle(labeledBatch.model_version)).toBeInTheDocument();
  });

  it("shows what it can without labels", () => {
    render(<MetricCards batch={unlabeledBatch} />);
    expect(screen.queryByTestId("metric-auprc")).toBeNull();
    expect(screen.getByTestId("metric-rows")).toHaveTextContent("46,202");
    expect(screen.getByTestId("metric-flagged")).toHaveTextContent("12");
  });

  it("holds the space with skeletons while loading", () => {
    const { container } = render(<MetricCards batch={undefined} />);
    expect(container.querySelectorAll(".metric")).toHaveLength(7);
    expect(container.querySelector("[aria-busy='true']")).not.toBeNull();
  });
});

describe("ConfusionMatrix", () => {
  it("puts each count in its cell with its share of the true class", () => {
    render(<ConfusionMatrix confusion={{ tp: 56, fn: 24, fp: 14, tn: 46_108 }} />);
    expect(screen.getByTestId("confusion-tp")).toHaveTextContent("56caught · 70.0%");
    expect(screen.getByTestId("confusion-fn")).toHaveTextContent("24missed · 30.0%");
    expect(screen.getByTestId("confusion-fp")).toHaveTextContent("14false alarms · 0.030%");
    expect(screen.getByTestId("confusion-tn")).toHaveTextContent("46,108");
    expect(screen.getByRole("rowheader", { name: /Actually fraud/ })).toHaveTextContent("(80)");
  });
});
