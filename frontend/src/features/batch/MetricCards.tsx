import type { Batch } from "../../api/client";
import { fmtDateTime, fmtInt, fmtLift, fmtPercent, fmtScore, fmtThreshold, plural, shortVersion, versionBuiltAt } from "../../shared/format";
import { Skeleton } from "../../shared/ui";

interface Tile {
  key: string;
  label: string;
  value: string;
  detail: string;
  wide?: boolean;
  title?: string;
  mono?: boolean;
}

export function metricTiles(batch: Batch): Tile[] {
  const m = batch.metrics;
  const built = versionBuiltAt(batch.model_version);
  const version: Tile = {
    key: "model",
    label: "Model",
    value: shortVersion(batch.model_version),
    detail: built ? `built ${fmtDateTime(built)}` : "the model that scored it",
    title: batch.model_version,
    mono: true,
  };
  const threshold: Tile = {
    key: "threshold",
    label: "Threshold",
    value: fmtThreshold(batch.threshold),
    detail: "flag if score ≥ this",
  };
  if (!m) {
    return [
      { key: "rows", label: "Rows scored", value: fmtInt(batch.row_count), detail: batch.labeled ? "labeled" : "no labels in the file" },
      {
        key: "flagged",
        label: "Flagged as fraud",
        value: fmtInt(batch.flagged_count),
        detail: `${fmtPercent(batch.row_count ? batch.flagged_count / batch.row_count : 0)} of rows`,
      },
      threshold,
      version,
    ];
  }
  const { tp, fp, fn } = m.confusion;
  return [
    {
      key: "auprc",
      label: "AUPRC",
      value: fmtScore(m.auprc),
      detail: `prevalence ${fmtPercent(m.prevalence)} · ${fmtLift(m.auprc, m.prevalence)}`,
      wide: true,
    },
    { key: "roc_auc", label: "ROC-AUC", value: fmtScore(m.roc_auc), detail: "0.5 = random ranking" },
    { key: "precision", label: "Precision", value: fmtScore(m.precision), detail: `${fmtInt(tp)} of ${fmtInt(tp + fp)} flagged are fraud` },
    { key: "recall", label: "Recall", value: fmtScore(m.recall), detail: `${fmtInt(tp)} of ${plural(tp + fn, "fraud")} caught` },
    { key: "f1", label: "F1", value: fmtScore(m.f1), detail: "precision and recall in one" },
    threshold,
    version,
  ];
}

export function MetricCards({ batch }: { batch: Batch | undefined }) {
  if (!batch) {
    return (
      <div className="metric-grid" aria-busy="true" aria-label="Loading metrics">
        {Array.from({ length: 7 }, (_, i) => (
          <div key={i} className={`metric ${i === 0 ? "metric-wide" : ""}`}>
            <Skeleton height={14} width="45%" />
            <Skeleton height={30} width="60%" />
            <Skeleton height={12} width="80%" />
          </div>
        ))}
      </div>
    );
  }
  const tiles = metricTiles(batch);
  return (
    <dl className={`metric-grid ${tiles.length < 7 ? "metric-grid-short" : ""}`} aria-label="Batch metrics">
      {tiles.map((t) => (
        <div key={t.key} className={`metric ${t.wide ? "metric-wide metric-primary" : ""}`} data-testid={`metric-${t.key}`}>
          <dt className="metric-label">{t.label}</dt>
          <dd className={`metric-value ${t.mono ? "metric-mono" : ""}`} title={t.title}>
            {t.value}
          </dd>
          <dd className="metric-detail">{t.detail}</dd>
        </div>
      ))}
    </dl>
  );
}
