import { useBatchDrifts, useBatches, useModels, useStreams } from "../../api/queries";
import { CHART_HEIGHT } from "../../shared/chartStyle";
import { fmtInt, fmtPercent, fmtScore } from "../../shared/format";
import { Card, Skeleton } from "../../shared/ui";
import { LearningLoopPanel } from "../compare/LearningLoopPanel";
import { ChampionSummary, ModelVersionsTable } from "../models/ModelsPanel";
import { DriftTrendChart, RecentDrift } from "../monitoring/DriftTrend";
import { driftTrendRows } from "../monitoring/monitoringData";
import { RUNS_TABLE_HEIGHT, StreamRuns, StreamRunsEmpty } from "../monitoring/StreamRuns";
import { AuprcTrendChart } from "./AuprcTrendChart";
import { BatchesTable } from "./BatchesTable";
import "./dashboard.css";

/** Drift over time covers the newest batches (one drift request each). */
export const DRIFT_TREND_BATCHES = 40;

export function DashboardPage() {
  const batches = useBatches();
  const models = useModels();
  const streams = useStreams();
  const list = batches.data?.data;
  const recent = list?.slice(0, DRIFT_TREND_BATCHES) ?? [];
  const drifts = useBatchDrifts(recent.map((b) => b.id));
  const driftRows = list && drifts.data ? driftTrendRows(recent, drifts.data) : undefined;
  const runs = streams.data?.data;
  const champion = models.data?.data.find((m) => m.is_champion);
  const labeled = list?.filter((b) => b.metrics) ?? [];
  const rows = list?.reduce((sum, b) => sum + b.row_count, 0) ?? 0;
  // The fraud rate is over the rows whose class is known: unlabeled batches count toward neither side.
  const labeledRows = list?.reduce((sum, b) => sum + (b.fraud_count === null ? 0 : b.row_count), 0) ?? 0;
  const frauds = list?.reduce((sum, b) => sum + (b.fraud_count ?? 0), 0) ?? 0;
  const flagged = list?.reduce((sum, b) => sum + b.flagged_count, 0) ?? 0;
  const latest = labeled[0]?.metrics;

  const stats = [
    { label: "Batches", value: fmtInt(batches.data?.count), detail: `${fmtInt(labeled.length)} with labels` },
    { label: "Rows scored", value: fmtInt(rows), detail: `${fmtInt(flagged)} flagged` },
    {
      label: "Known frauds",
      value: fmtInt(frauds),
      detail: labeledRows ? `${fmtPercent(frauds / labeledRows)} of labeled rows` : "no labeled rows yet",
    },
    { label: "Latest AUPRC", value: fmtScore(latest?.auprc), detail: latest ? `prevalence ${fmtPercent(latest.prevalence)}` : "no labeled batch yet" },
  ];

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1 tabIndex={-1}>Dashboard</h1>
          <p className="lede">Every batch scored so far, how the model did on each, and the models that have served.</p>
        </div>
        <div className="page-actions">
          <a className="btn btn-primary" href="#/">
            Score a batch
          </a>
        </div>
      </header>

      <dl className="stat-strip" aria-busy={!list}>
        {stats.map((s) => (
          <div key={s.label} className="stat">
            <dt>{s.label}</dt>
            {/* skeletons one line high (1.5em, the line height), so the numbers land without moving anything */}
            <dd className="stat-value">{list ? s.value : <Skeleton height="1.5em" width="50%" />}</dd>
            <dd className="muted small">{list ? s.detail : <Skeleton height="1.5em" width="70%" />}</dd>
          </div>
        ))}
      </dl>

      <div className="grid-2 grid-wide-left">
        <Card id="trend" title="AUPRC per batch" subtitle="How well the model ranks frauds in each labeled batch, against the fraud rate a random model would score.">
          {list === undefined ? (
            <Skeleton height={CHART_HEIGHT} />
          ) : labeled.length === 0 ? (
            <div className="chart-empty" style={{ height: CHART_HEIGHT }}>
              <p className="muted">
                No labeled batch yet. <a href="#/">Upload one or run the demo.</a>
              </p>
            </div>
          ) : (
            <AuprcTrendChart batches={list} />
          )}
        </Card>
        <Card id="champion" title="Champion model" subtitle="The model scoring every upload and /api/predict call.">
          {models.data === undefined ? (
            <Skeleton height={CHART_HEIGHT} />
          ) : champion ? (
            <ChampionSummary model={champion} />
          ) : (
            <p className="muted">No model is being served. Run <code>make run</code> to train the first one.</p>
          )}
        </Card>
      </div>

      <div className="grid-2 grid-wide-left">
        <Card
          id="drift-trend"
          title="Drift per batch"
          subtitle={`The largest feature PSI of each batch against the model's training data (log scale; 0.2 or more is drift), and how many features drifted. The newest ${DRIFT_TREND_BATCHES} batches.`}
        >
          {drifts.error ? (
            <p className="error-text">Could not load the drift reports: {drifts.error.message}</p>
          ) : driftRows === undefined ? (
            <Skeleton height={CHART_HEIGHT} />
          ) : driftRows.length === 0 ? (
            <div className="chart-empty" style={{ height: CHART_HEIGHT }}>
              <p className="muted">
                No batch yet. <a href="#/">Upload one or run the demo</a>: each gets a drift report at upload.
              </p>
            </div>
          ) : (
            <DriftTrendChart rows={driftRows} />
          )}
        </Card>
        <Card id="drifted-features" title="Drifted features" subtitle="Inputs that moved away from the training data (PSI ≥ 0.2).">
          {driftRows === undefined ? <Skeleton height={CHART_HEIGHT} /> : <RecentDrift rows={driftRows} />}
        </Card>
      </div>

      <Card
        id="streams"
        title="Stream runs"
        subtitle="Live-traffic replays by fraudops stream, newest first: how fast the API answered each, and how its decisions scored against the labels. Pick a run for its latency histogram."
      >
        {streams.error ? (
          <p className="error-text">Could not load the stream runs: {streams.error.message}</p>
        ) : runs === undefined ? (
          <Skeleton height={RUNS_TABLE_HEIGHT} />
        ) : runs.length === 0 ? (
          <StreamRunsEmpty origin={window.location.origin} />
        ) : (
          <StreamRuns runs={runs} />
        )}
      </Card>

      <Card id="batches" title="All batches" subtitle={list ? `${fmtInt(batches.data?.count)} in all, newest first` : undefined}>
        {list === undefined ? (
          <Skeleton height={240} />
        ) : list.length === 0 ? (
          <p className="muted">Nothing scored yet.</p>
        ) : (
          <BatchesTable batches={list} />
        )}
      </Card>

      <LearningLoopPanel />
      <p>
        <a href="#/compare?role=evaluation">Compare model versions on the holdout →</a>
      </p>

      <Card id="models" title="Model versions" subtitle="Every model this service has served or training registered, newest first, with its held-out test metrics.">
        {models.data === undefined ? <Skeleton height={96} /> : <ModelVersionsTable models={models.data.data} />}
      </Card>
    </div>
  );
}
