import { fmtInt, fmtPercent, fmtScore, fmtThreshold, shortVersion } from "../../shared/format";
import type { Comparison } from "./compareApi";
import { seriesColor } from "./series";

/** The versions side by side: one column per version, one row per figure, on the same rows. */
export function VersionsTable({ comparison }: { comparison: Comparison }) {
  const rows: { label: string; value: (i: number) => string }[] = [
    { label: "AUPRC", value: (i) => fmtScore(comparison.versions[i]?.auprc) },
    { label: "Random model (prevalence)", value: (i) => fmtPercent(comparison.versions[i]?.prevalence) },
    { label: "ROC-AUC", value: (i) => fmtScore(comparison.versions[i]?.roc_auc) },
    { label: "Own threshold", value: (i) => fmtThreshold(comparison.versions[i]?.threshold) },
    { label: "Precision at threshold", value: (i) => fmtScore(comparison.versions[i]?.precision) },
    { label: "Recall at threshold", value: (i) => fmtScore(comparison.versions[i]?.recall) },
    { label: "F1 at threshold", value: (i) => fmtScore(comparison.versions[i]?.f1) },
    { label: "Flagged", value: (i) => fmtInt(comparison.versions[i]?.flagged) },
    { label: `Recall, top ${fmtInt(comparison.budget_k)} reviewed`, value: (i) => fmtScore(comparison.versions[i]?.recall_at_budget) },
    { label: `Precision, top ${fmtInt(comparison.budget_k)} reviewed`, value: (i) => fmtScore(comparison.versions[i]?.precision_at_budget) },
  ];
  return (
    <div className="table-scroll">
      <table className="compare-table" data-testid="versions-table">
        <thead>
          <tr>
            <th scope="col">Figure</th>
            {comparison.versions.map((v, i) => (
              <th scope="col" key={v.version} title={v.version}>
                <span className="series-dot" style={{ background: seriesColor(i) }} aria-hidden="true" />
                {shortVersion(v.version)}
                <span className="muted"> {v.kind ?? ""}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.label}>
              <th scope="row">{row.label}</th>
              {comparison.versions.map((v, i) => (
                <td key={v.version} className="num">
                  {row.value(i)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
