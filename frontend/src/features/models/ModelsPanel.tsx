import type { ModelVersion } from "../../api/client";
import { numberField } from "../../shared/fields";
import { fmtDateTime, fmtInt, fmtPercent, fmtScore, fmtThreshold, plural, shortVersion } from "../../shared/format";
import { cardCalibration, cardMetrics } from "./modelCard";
import { ReliabilityChart } from "./ReliabilityChart";
import "./models.css";

/** When a version served, or why it never has (training registers every best candidate; the gate promotes). */
export function servedText(model: ModelVersion): string {
  if (model.first_served_at) return fmtDateTime(model.first_served_at);
  if (model.promoted === false) return "never: not promoted";
  return "not yet";
}

export function ChampionSummary({ model }: { model: ModelVersion }) {
  const test = cardMetrics(model.metrics, "test");
  const validation = cardMetrics(model.metrics, "validation");
  const rows = numberField(model.training, "rows");
  const frauds = numberField(model.training, "frauds");
  const calibration = cardCalibration(model.metrics);
  return (
    <div className="champion" data-testid="champion">
      <p className="champion-version mono" title={model.version}>
        {model.version}
      </p>
      <p className="muted">
        {model.kind.replace(/_/g, " ")} · first served {servedText(model)}
        {model.registry_version ? ` · registry version ${model.registry_version}` : ""}
      </p>
      <dl className="champion-stats">
        <div>
          <dt>Test AUPRC</dt>
          <dd>{fmtScore(test.auprc)}</dd>
          <dd className="muted small">prevalence {fmtPercent(test.prevalence)}</dd>
        </div>
        <div>
          <dt>Validation AUPRC</dt>
          <dd>{fmtScore(validation.auprc)}</dd>
          <dd className="muted small">chose the threshold</dd>
        </div>
        <div>
          <dt>Threshold</dt>
          <dd>{fmtThreshold(model.threshold)}</dd>
          <dd className="muted small">max F1 on validation</dd>
        </div>
        <div>
          <dt>Trained on</dt>
          <dd>{fmtInt(rows)}</dd>
          <dd className="muted small">rows, {frauds === undefined ? "—" : plural(frauds, "fraud")}</dd>
        </div>
      </dl>
      {calibration ? (
        <div className="calibration" data-testid="calibration">
          <p className="muted small">
            Scores calibrated ({calibration.method}) on validation: Brier score {fmtScore(calibration.brier, 4)}, before calibration{" "}
            {fmtScore(calibration.brier_before, 4)}. On the diagonal a score means what it says.
          </p>
          {calibration.reliability.length ? <ReliabilityChart calibration={calibration} /> : null}
        </div>
      ) : (
        <p className="muted small">This model was exported before calibration: its scores rank well but are not probabilities.</p>
      )}
    </div>
  );
}

export function ModelVersionsTable({ models }: { models: ModelVersion[] }) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Model versions">
      <table className="data-table">
        <thead>
          <tr>
            {/* the test AUPRC next to the version, so a phone's first screen of the table shows it */}
            <th scope="col">Version</th>
            <th scope="col" className="num">Test AUPRC</th>
            <th scope="col">Kind</th>
            <th scope="col" className="num">Threshold</th>
            <th scope="col" className="num">Test ROC-AUC</th>
            <th scope="col" className="num">Test recall</th>
            <th scope="col">First served</th>
          </tr>
        </thead>
        <tbody>
          {models.map((m) => {
            const test = cardMetrics(m.metrics, "test");
            return (
              <tr key={m.version}>
                <td className="mono" title={m.version}>
                  {shortVersion(m.version)} {m.is_champion ? <span className="badge badge-accent">champion</span> : null}
                </td>
                <td className="num mono">{fmtScore(test.auprc)}</td>
                <td>{m.kind.replace(/_/g, " ")}</td>
                <td className="num mono">{fmtThreshold(m.threshold)}</td>
                <td className="num mono">{fmtScore(test.roc_auc)}</td>
                <td className="num mono">{fmtScore(test.recall)}</td>
                <td className={m.first_served_at ? "" : "muted"}>{servedText(m)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
