import type { Batch } from "../../api/client";
import { href } from "../../router";
import { fmtDateTime, fmtInt, fmtPercent, fmtScore, shortVersion } from "../../shared/format";

export function BatchesTable({ batches }: { batches: Batch[] }) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="All batches">
      <table className="data-table batches-table">
        <thead>
          <tr>
            {/* AUPRC next to the batch and its fraud rate (a random model's AUPRC): on a phone, the table's first
                screen shows the headline metric, and the rest scrolls */}
            <th scope="col">Batch</th>
            <th scope="col" className="num">AUPRC</th>
            <th scope="col" className="num">Fraud rate</th>
            <th scope="col" className="num">Rows</th>
            <th scope="col" className="num">Flagged</th>
            <th scope="col" className="num">ROC-AUC</th>
            <th scope="col" className="num">Precision</th>
            <th scope="col" className="num">Recall</th>
            <th scope="col" className="num">F1</th>
            <th scope="col">Uploaded</th>
            <th scope="col">Model</th>
          </tr>
        </thead>
        <tbody>
          {batches.map((b) => {
            const m = b.metrics;
            return (
              <tr key={b.id}>
                <td className="batch-cell">
                  <a href={href({ page: "batch", id: b.id, duplicate: false })} className="batch-link">
                    <span className="mono muted">#{b.id}</span> {b.filename}
                  </a>
                </td>
                <td className="num mono strong">{fmtScore(m?.auprc)}</td>
                <td className="num mono">{b.fraud_count === null ? "—" : fmtPercent(b.fraud_count / Math.max(b.row_count, 1))}</td>
                <td className="num mono">{fmtInt(b.row_count)}</td>
                <td className="num mono">{fmtInt(b.flagged_count)}</td>
                <td className="num mono">{fmtScore(m?.roc_auc)}</td>
                <td className="num mono">{fmtScore(m?.precision)}</td>
                <td className="num mono">{fmtScore(m?.recall)}</td>
                <td className="num mono">{fmtScore(m?.f1)}</td>
                <td className="nowrap small">{fmtDateTime(b.created_at)}</td>
                <td className="mono small nowrap" title={b.model_version}>
                  {shortVersion(b.model_version)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
