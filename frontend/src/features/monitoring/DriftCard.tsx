import { useState } from "react";
import type { BatchDrift, DriftStatus, FeatureDrift } from "../../api/client";
import { fmtInt, fmtScore } from "../../shared/format";
import { Skeleton } from "../../shared/ui";
import { featuresByPsi, fmtP, fmtPsi, PSI_FLAG, PSI_MODERATE } from "./monitoringData";
import "./monitoring.css";

/** Rows of the features table shown before "show all": enough for every drifted feature in practice. */
export const DRIFT_ROWS = 8;
/** The card body's height, the same while loading, with a report and without one: nothing moves when it lands. */
export const DRIFT_BODY_HEIGHT = 40 * (DRIFT_ROWS + 1) + 50;

const STATUS_LABEL: Record<DriftStatus, string> = { stable: "Stable", moderate: "Moderate", drifted: "Drifted" };

export function DriftStatusBadge({ status }: { status: DriftStatus }) {
  return <span className={`badge drift-${status}`}>{STATUS_LABEL[status]}</span>;
}

/** PSI as a bar on a scale capped at 0.5, with a tick at the 0.2 flag. */
function PsiBar({ psi, status }: { psi: number; status: DriftStatus }) {
  const cap = 0.5;
  return (
    <span className="psi-bar" aria-hidden="true">
      <span className={`psi-fill drift-fill-${status}`} style={{ width: `${Math.max(Math.min(psi / cap, 1) * 100, 1.5)}%` }} />
      <span className="psi-flag" style={{ left: `${(PSI_FLAG / cap) * 100}%` }} />
    </span>
  );
}

function FeaturesTable({ features, id }: { features: FeatureDrift[]; id: string }) {
  return (
    <table className="data-table drift-table" id={id}>
      <thead>
        <tr>
          <th scope="col">Feature</th>
          <th scope="col" className="num">
            PSI
          </th>
          <th scope="col" className="col-psi-bar">
            <span className="sr-only">PSI against the 0.2 flag</span>
          </th>
          <th scope="col" className="num">
            KS D
          </th>
          <th scope="col">Status</th>
        </tr>
      </thead>
      <tbody>
        {features.map((f) => (
          <tr key={f.feature} className={`drift-row is-${f.status}`} title={`Kolmogorov–Smirnov D ${fmtScore(f.ks_d)}, ${fmtP(f.ks_p)}`}>
            <th scope="row" className="mono">
              {f.feature}
            </th>
            <td className="num mono">{fmtPsi(f.psi)}</td>
            <td className="col-psi-bar">
              <PsiBar psi={f.psi} status={f.status} />
            </td>
            <td className="num mono">{fmtScore(f.ks_d)}</td>
            <td>
              <DriftStatusBadge status={f.status} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function DriftView({ drift }: { drift: BatchDrift }) {
  const [all, setAll] = useState(false);
  const report = drift.report;
  if (!report) {
    return (
      <div className="chart-empty" style={{ height: DRIFT_BODY_HEIGHT }}>
        <p className="muted">
          No drift report for this batch: {drift.reason ?? "none was recorded"}.
        </p>
      </div>
    );
  }
  const features = featuresByPsi(report);
  const drifted = features.filter((f) => f.status === "drifted");
  const moderate = features.filter((f) => f.status === "moderate");
  const shown = all ? features : features.slice(0, DRIFT_ROWS);
  const score = report.score;
  return (
    <div className="drift-layout" style={{ minHeight: DRIFT_BODY_HEIGHT }}>
      <div className="drift-summary">
        <p className={`drift-headline ${drifted.length ? "is-drifted" : "is-stable"}`} data-testid="drift-headline">
          {drifted.length
            ? `${drifted.length} of ${features.length} features drifted`
            : `No feature drifted (${features.length} compared)`}
        </p>
        {drifted.length ? (
          <ul className="chip-list" aria-label="Drifted features">
            {drifted.map((f) => (
              <li key={f.feature} className="chip chip-drifted">
                <span className="mono">{f.feature}</span> <span className="chip-detail">PSI {fmtPsi(f.psi)}</span>
              </li>
            ))}
          </ul>
        ) : null}
        {moderate.length ? (
          <p className="small drift-moderate-line">
            {`Moderate (PSI ${PSI_MODERATE}–${PSI_FLAG}): `}
            <span className="mono">{moderate.map((f) => f.feature).join(", ")}</span>
          </p>
        ) : null}
        <dl className="drift-facts">
          <div>
            <dt>Scores</dt>
            <dd data-testid="drift-score">
              PSI <span className="mono">{fmtPsi(score.psi)}</span> · KS D <span className="mono">{fmtScore(score.ks_d)}</span> ({fmtP(score.ks_p)}){" "}
              <DriftStatusBadge status={score.status} />
            </dd>
          </div>
          <div>
            <dt>Compared</dt>
            <dd>{fmtInt(report.rows)} rows against the training profile of the model that scored them</dd>
          </div>
          <div>
            <dt>Method</dt>
            <dd className="small">{report.method}</dd>
          </div>
        </dl>
      </div>
      <div className="drift-features">
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Drift per feature">
          <FeaturesTable features={shown} id={`drift-features-${drift.batch_id}`} />
        </div>
        {features.length > DRIFT_ROWS ? (
          <button
            type="button"
            className="btn btn-ghost btn-small"
            aria-expanded={all}
            aria-controls={`drift-features-${drift.batch_id}`}
            onClick={() => setAll((v) => !v)}
          >
            {all ? `Show the ${DRIFT_ROWS} most drifted` : `Show all ${features.length} features`}
          </button>
        ) : null}
      </div>
    </div>
  );
}

export function DriftBody({ drift, error }: { drift: BatchDrift | undefined; error?: string }) {
  if (drift) return <DriftView drift={drift} />;
  if (error) {
    return (
      <div className="chart-empty" style={{ height: DRIFT_BODY_HEIGHT }}>
        <p className="error-text">Could not load the drift report: {error}</p>
      </div>
    );
  }
  return <Skeleton height={DRIFT_BODY_HEIGHT} />;
}
