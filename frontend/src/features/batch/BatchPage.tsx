import { predictionsCsvUrl, type Batch } from "../../api/client";
import { ApiError } from "../../api/client";
import { useBatch, useBatchDrift, useCurves } from "../../api/queries";
import { CHART_HEIGHT } from "../../shared/chartStyle";
import { fmtDateTime, fmtInt, fmtPercent, fmtSeconds, fmtThreshold, plural } from "../../shared/format";
import { Card, Icon, Notice, Skeleton } from "../../shared/ui";
import { ScoreWithPanel } from "../compare/ScoreWithPanel";
import { DriftBody } from "../monitoring/DriftCard";
import { ConfusionMatrix } from "./ConfusionMatrix";
import { bandsOf } from "./decisionData";
import { MetricCards } from "./MetricCards";
import { PrCurveChart } from "./PrCurveChart";
import { PredictionsTable, type FilterCounts } from "./PredictionsTable";
import { BandsStrip } from "./Reasons";
import { ScoreHistogram } from "./ScoreHistogram";
import "./batch.css";

function counts(batch: Batch): FilterCounts {
  const c = batch.metrics?.confusion;
  return {
    all: batch.row_count,
    flagged: batch.flagged_count,
    mistakes: c ? c.fp + c.fn : null,
    false_alarms: c ? c.fp : null,
    misses: c ? c.fn : null,
  };
}

function Timings({ timings }: { timings: Record<string, number> }) {
  const order = ["receive", "parse_validate", "score", "metrics", "store"];
  const names: Record<string, string> = { receive: "receive", parse_validate: "validate", score: "score", metrics: "metrics", store: "store" };
  const parts = order.filter((k) => k in timings);
  if (!parts.length) return null;
  const total = parts.reduce((sum, k) => sum + (timings[k] ?? 0), 0);
  return (
    <p className="footnote">
      Server time {fmtSeconds(total)}: {parts.map((k) => `${names[k]} ${fmtSeconds(timings[k] ?? 0)}`).join(" · ")}
    </p>
  );
}

export function BatchPage({ id, duplicate }: { id: number; duplicate: boolean }) {
  const batch = useBatch(id);
  const curves = useCurves(id);
  const drift = useBatchDrift(id);
  const b = batch.data;
  const bands = b ? bandsOf(b) : null;
  const m = b?.metrics ?? null;

  if (batch.error) {
    const missing = batch.error instanceof ApiError && batch.error.status === 404;
    return (
      <div className="page">
        <h1 tabIndex={-1}>{missing ? `There is no batch #${id}` : "The batch could not be loaded"}</h1>
        <Notice tone={missing ? "info" : "danger"} title={missing ? "It may never have been uploaded, or the database was reset." : batch.error.message}>
          <p>
            <a href="#/">Upload a file</a> or open the <a href="#/dashboard">dashboard</a>.
          </p>
        </Notice>
      </div>
    );
  }

  const chartsUnavailable = b !== undefined && m === null;
  return (
    <div className="page">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <a href="#/dashboard">Dashboard</a>
        <span aria-hidden="true">/</span>
        <span aria-current="page">Batch #{id}</span>
      </nav>
      <header className="page-header">
        <div className="page-title-block">
          <h1 tabIndex={-1}>{b ? b.filename : <Skeleton height={34} width={280} />}</h1>
          <p className="lede meta">
            {b ? (
              <>
                Batch #{b.id} · uploaded {fmtDateTime(b.created_at)} · {fmtInt(b.row_count)} rows
                {b.fraud_count !== null ? ` · ${plural(b.fraud_count, "fraud")} (${fmtPercent(b.fraud_count / Math.max(b.row_count, 1))})` : " · no labels"}
                {` · ${fmtInt(b.flagged_count)} flagged`}
              </>
            ) : (
              <Skeleton height={16} width={420} />
            )}
          </p>
        </div>
        <div className="page-actions">
          <a className="btn btn-primary" href={predictionsCsvUrl(id, "all")} download>
            <Icon name="download" /> Download scored rows
          </a>
          <a className="btn btn-secondary" href="#/">
            <Icon name="upload" /> Upload another
          </a>
        </div>
      </header>

      {duplicate ? (
        <Notice tone="info" title="This exact file was uploaded before">
          <p>Nothing new was stored; these are the results of the earlier upload.</p>
        </Notice>
      ) : null}
      {b && b.metrics_reason ? (
        <Notice tone="warning" title="No quality metrics for this batch">
          <p>
            {b.metrics_reason.charAt(0).toUpperCase() + b.metrics_reason.slice(1)}. Every row is still scored: see the table below.
          </p>
        </Notice>
      ) : null}

      <MetricCards batch={b} />
      <BandsStrip bands={bands} loading={!b} />

      <div className="grid-2">
        <Card id="pr-curve" title="Precision–recall curve" subtitle="Each step is a fraud found; the dot is where the threshold sits.">
          {m && curves.data && curves.data.pr_curve.length ? (
            <PrCurveChart
              points={curves.data.pr_curve}
              prevalence={m.prevalence}
              auprc={m.auprc}
              operating={{ recall: m.recall, precision: m.precision, threshold: m.threshold }}
            />
          ) : chartsUnavailable ? (
            <div className="chart-empty" style={{ height: CHART_HEIGHT }}>
              <p className="muted">The curve needs a Class column with both frauds and legitimate rows.</p>
            </div>
          ) : (
            <Skeleton height={CHART_HEIGHT} />
          )}
        </Card>
        <Card id="confusion" title="Confusion matrix" subtitle={b ? `At threshold ${fmtThreshold(b.threshold)}` : "At the model's threshold"}>
          {m ? (
            <div style={{ minHeight: CHART_HEIGHT }} className="confusion-wrap">
              <ConfusionMatrix confusion={m.confusion} />
            </div>
          ) : chartsUnavailable ? (
            <div className="chart-empty" style={{ height: CHART_HEIGHT }}>
              <p className="muted">Needs labels to count hits and misses.</p>
            </div>
          ) : (
            <Skeleton height={CHART_HEIGHT} />
          )}
        </Card>
      </div>

      <Card
        id="histogram"
        title="Score distribution"
        subtitle="How the fraud probabilities spread within each true class: the share of the class in each bin, on a square-root scale so small shares stay visible."
      >
        {curves.data ? (
          <ScoreHistogram bins={curves.data.histogram} threshold={curves.data.threshold} />
        ) : curves.error ? (
          <p className="error-text">Could not load the chart data: {curves.error.message}</p>
        ) : (
          <Skeleton height={CHART_HEIGHT} />
        )}
      </Card>

      <Card
        id="drift"
        title="Drift against the training data"
        subtitle="How far this batch's inputs and scores sit from what the model was trained on: PSI of 0.2 or more flags a feature as drifted, 0.1–0.2 as moderate; KS D is the largest gap between the two distributions."
      >
        <DriftBody drift={drift.data} error={drift.error?.message} />
      </Card>

      <Card
        id="rows"
        title="Scored rows"
        subtitle="Sort by probability to see what the model is most sure about; filter to the rows it flagged or got wrong. Open “Why” on a flagged row for the features behind its score."
      >
        {b ? <PredictionsTable batchId={id} counts={counts(b)} bands={bands} /> : <Skeleton height={40 * 22} />}
      </Card>

      {b ? <ScoreWithPanel batch={b} duplicate={duplicate} /> : null}

      {b ? <Timings timings={b.timings} /> : null}
    </div>
  );
}
