import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { batchDrift, DRIFT_METHOD, labeledBatch, noDrift, olderRun, streamRun } from "../../test/fixtures";
import { DriftBody, DriftView } from "./DriftCard";
import { DriftTrendChart, RecentDrift } from "./DriftTrend";
import { driftTrendRows } from "./monitoringData";
import { LatencyHistogramChart, StreamRunsEmpty, StreamRunsPanel, streamCommand } from "./StreamRuns";

beforeAll(() => {
  // jsdom has no layout: give the charting library a size to draw into.
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
});

describe("drift card", () => {
  it("marks drifted features, subtly the moderate ones, and gives the score line and the method", () => {
    render(<DriftView drift={batchDrift} />);
    expect(screen.getByTestId("drift-headline")).toHaveTextContent("2 of 12 features drifted");
    expect(within(screen.getByRole("list", { name: "Drifted features" })).getAllByRole("listitem").map((li) => li.textContent)).toEqual([
      "hour_of_day PSI 2.40",
      "V1 PSI 0.350",
    ]);
    expect(screen.getByText(/Moderate \(PSI 0\.1–0\.2\)/)).toHaveTextContent("V3");
    expect(screen.getByTestId("drift-score")).toHaveTextContent("PSI 0.040 · KS D 0.050 (p < 0.001) Stable");
    expect(screen.getByText(DRIFT_METHOD)).toBeInTheDocument();

    const table = screen.getByRole("table");
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows).toHaveLength(8);
    expect(rows[0]).toHaveClass("is-drifted");
    expect(within(rows[0]!).getByRole("rowheader")).toHaveTextContent("hour_of_day");
    expect(rows[0]).toHaveTextContent("Drifted");
    expect(rows[2]).toHaveClass("is-moderate");
    expect(rows[2]).toHaveTextContent("Moderate");
  });

  it("shows every feature on demand", async () => {
    const user = userEvent.setup();
    render(<DriftView drift={batchDrift} />);
    const more = screen.getByRole("button", { name: "Show all 12 features" });
    expect(more).toHaveAttribute("aria-expanded", "false");
    await user.click(more);
    expect(within(screen.getByRole("table")).getAllByRole("row")).toHaveLength(13);
    expect(screen.getByRole("button", { name: "Show the 8 most drifted" })).toHaveAttribute("aria-expanded", "true");
  });

  it("says why there is no report, and holds its place while loading", () => {
    const { container, rerender } = render(<DriftBody drift={undefined} />);
    expect(container.querySelector(".skeleton")).not.toBeNull();
    rerender(<DriftBody drift={noDrift} />);
    expect(screen.getByText("No drift report for this batch: scored before drift was recorded.")).toBeInTheDocument();
    rerender(<DriftBody drift={undefined} error="the server answered 500" />);
    expect(screen.getByText(/Could not load the drift report/)).toBeInTheDocument();
  });
});

describe("drift over time", () => {
  const batches = [labeledBatch, { ...labeledBatch, id: 9, filename: "later.csv" }];
  const drifts = [batchDrift, { ...batchDrift, batch_id: 9, report: { ...batchDrift.report!, drifted_features: ["V1"] } }];

  it("summarises the largest PSI per batch for screen readers", () => {
    render(<DriftTrendChart rows={driftTrendRows(batches, drifts)} />);
    expect(screen.getByRole("figure")).toHaveAccessibleName(
      "Drift of 2 batches in upload order: 2 had at least one feature at PSI 0.2 or more. The largest feature PSI per batch ranges from 2.40 to 2.40.",
    );
    expect(screen.getByRole("figure")).toHaveTextContent("Largest PSIDrifted featuresFlag (0.2)");
  });

  it("names the most recently drifted features and how often each drifted", () => {
    render(<RecentDrift rows={driftTrendRows(batches, drifts)} />);
    expect(screen.getByRole("link", { name: "batch #9 · later.csv" })).toHaveAttribute("href", "#/batches/9");
    expect(within(screen.getByRole("list", { name: "Drifted in batch #9" })).getByText("V1")).toBeInTheDocument();
    const tally = screen.getAllByRole("listitem").filter((li) => li.textContent?.includes(" of 2"));
    expect(tally.map((li) => li.textContent)).toEqual(["V12 of 2", "hour_of_day1 of 2"]);
  });

  it("says when nothing drifted", () => {
    render(<RecentDrift rows={driftTrendRows([labeledBatch], [{ ...batchDrift, report: { ...batchDrift.report!, drifted_features: [] } }])} />);
    expect(screen.getByTestId("recent-drift")).toHaveTextContent("No feature drifted in the last 1 batches.");
  });
});

describe("stream runs", () => {
  it("list each run's figures and show the selected run's latency histogram", async () => {
    const user = userEvent.setup();
    const onSelect = vi.fn();
    const { rerender } = render(<StreamRunsPanel runs={[streamRun, olderRun]} selectedId={null} onSelect={onSelect} drift={{}} />);
    const table = screen.getByRole("table");
    const [newest, older] = within(table).getAllByRole("row").slice(1);
    expect(newest).toHaveTextContent("stream_2.csv");
    expect(newest).toHaveTextContent("200 / 198 / 2");
    expect(newest).toHaveTextContent("189");
    expect(newest).toHaveTextContent("17.6");
    expect(newest).toHaveTextContent("33.7");
    expect(newest).toHaveTextContent("38.9");
    expect(newest).toHaveTextContent("0.5000.2500.333");
    expect(older).toHaveTextContent("———"); // nothing flagged, no fraud replayed: no ratios
    expect(within(newest!).getByRole("button")).toHaveAttribute("aria-pressed", "true");

    const figure = screen.getByTestId("latency-histogram");
    expect(figure).toHaveAccessibleName("Latency histogram of 198 answers in 5 log-spaced bins from 6.5 to 56.0 ms; median 17.6 ms, 99th percentile 38.9 ms.");
    expect(figure).toHaveTextContent("p50 17.6 ms");
    expect(screen.getByTestId("run-detail")).toHaveTextContent("400 tx/s · concurrency 4 · first 200 rows · over HTTP");
    expect(screen.getByTestId("run-detail")).toHaveTextContent("2 caught, 6 missed, 2 false alarms, 190 correct passes");

    await user.click(within(older!).getByRole("button"));
    expect(onSelect).toHaveBeenCalledWith(2);
    rerender(
      <StreamRunsPanel
        runs={[streamRun, olderRun]}
        selectedId={2}
        onSelect={onSelect}
        drift={{ data: { model_version: "m", since: null, until: null, reason: null, report: batchDrift.report } }}
      />,
    );
    expect(screen.getByRole("heading", { name: /Latency of run #2/ })).toBeInTheDocument();
    expect(screen.getByTestId("run-detail")).toHaveTextContent("no fraud among the rows replayed, none flagged");
    expect(screen.getByTestId("run-drift")).toHaveTextContent("2 drifted features: V1, hour_of_day · scores PSI 0.040 Stable");
  });

  it("draw one bar per bin", () => {
    const { container } = render(<LatencyHistogramChart histogram={streamRun.summary.histogram!} p50={17.64} p99={38.91} />);
    expect(screen.getByRole("figure")).toHaveTextContent("Answersp50 17.6 msp99 38.9 ms");
    expect(container.querySelector(".recharts-wrapper, .recharts-surface, svg")).not.toBeNull();
  });

  it("explain how to start a run when there is none", () => {
    render(<StreamRunsEmpty origin="http://127.0.0.1:8000" />);
    expect(screen.getByTestId("streams-empty")).toHaveTextContent("No stream run yet");
    expect(screen.getByText("fraudops stream data_splits/stream_1.csv --api http://127.0.0.1:8000")).toBeInTheDocument();
    expect(streamCommand("file://")).toBe("fraudops stream data_splits/stream_1.csv --api http://127.0.0.1:8000");
    expect(streamCommand("https://fraudops.example.com")).toBe("fraudops stream data_splits/stream_1.csv --api https://fraudops.example.com");
  });
});
