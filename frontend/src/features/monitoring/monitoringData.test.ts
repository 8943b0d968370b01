import { describe, expect, it } from "vitest";
import { batchDrift, labeledBatch, noDrift, olderRun, streamRun, unlabeledBatch } from "../../test/fixtures";
import {
  driftTally,
  driftTrendRows,
  featuresByPsi,
  fmtEdge,
  fmtMs,
  latencyBinKey,
  latencyRows,
  psiAxis,
  runWindow,
  settingsText,
  streamQuality,
} from "./monitoringData";

describe("drift", () => {
  it("orders features from the most drifted", () => {
    expect(featuresByPsi(batchDrift.report!).slice(0, 4).map((f) => f.feature)).toEqual(["hour_of_day", "V1", "V3", "V2"]);
  });

  it("makes one trend row per batch in upload order, with gaps for batches without a report", () => {
    const rows = driftTrendRows(
      [unlabeledBatch, labeledBatch, { ...labeledBatch, id: 5 }],
      [noDrift, batchDrift, { ...batchDrift, batch_id: 5, report: { ...batchDrift.report!, drifted_features: [] } }],
    );
    expect(rows.map((r) => r.key)).toEqual(["#5", "#7", "#8"]);
    expect(rows[1]).toMatchObject({ maxPsi: 2.4, maxFeature: "hour_of_day", drifted: 2, driftedFeatures: ["V1", "hour_of_day"] });
    expect(rows[2]).toMatchObject({ maxPsi: null, psiPlot: null, drifted: null, reason: "scored before drift was recorded" });
    expect(driftTally(rows)).toEqual([
      { feature: "hour_of_day", batches: 1, lastBatchId: 7 },
      { feature: "V1", batches: 1, lastBatchId: 7 },
    ]);
  });

  it("spans the PSI axis in powers of ten around the flag", () => {
    const rows = driftTrendRows([labeledBatch], [batchDrift]);
    expect(psiAxis(rows)).toEqual({ domain: [0.01, 10], ticks: [0.01, 0.2, 1, 10] });
    expect(psiAxis([])).toEqual({ domain: [0.01, 1], ticks: [0.01, 0.2, 1] });
  });
});

describe("stream runs", () => {
  it("labels each latency bin by its lower edge", () => {
    const rows = latencyRows(streamRun.summary.histogram!);
    expect(rows.map((r) => r.label)).toEqual(["6.5", "10", "15.4", "23.7", "36.4"]);
    expect(rows[2]).toMatchObject({ start: 15.4, end: 23.7, count: 90, share: 90 / 198 });
    expect(latencyBinKey(rows, 17.64)).toBe("2");
    expect(latencyBinKey(rows, 80)).toBe("4"); // the last bin holds the slowest answers
    expect(fmtEdge(0.0842)).toBe("0.0842");
    expect(fmtEdge(1234.5)).toBe("1,235");
    expect(fmtMs(0.842)).toBe("0.84");
    expect(fmtMs(17.64)).toBe("17.6");
    expect(fmtMs(null)).toBe("—");
  });

  it("leaves precision and recall undefined when nothing was flagged or no fraud was replayed", () => {
    expect(streamQuality(streamRun.summary.metrics)).toEqual({ precision: 0.5, recall: 0.25, f1: 0.3333, note: null });
    expect(streamQuality(olderRun.summary.metrics)).toEqual({
      precision: null,
      recall: null,
      f1: null,
      note: "no fraud among the rows replayed, none flagged",
    });
    expect(streamQuality(null)).toBeNull();
  });

  it("knows the log window a run covered and its settings", () => {
    expect(runWindow(streamRun)).toEqual({ since: "2026-11-23T13:24:41.940Z", until: "2026-11-23T13:24:46.000Z" });
    expect(settingsText(streamRun.summary.settings)).toBe("400 tx/s · concurrency 4 · first 200 rows");
  });
});
