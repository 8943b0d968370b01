import { useId } from "react";
import { fmtInt, fmtPercent, fmtThreshold } from "../../shared/format";
import { Skeleton } from "../../shared/ui";
import type { Capacity, Workload } from "./reviewApi";

function WorkloadRows({ rows, what }: { rows: Workload[]; what: string }) {
  return (
    <>
      {rows.map((w) => (
        <tr key={`${what}-${w.key}`} className={w.over_capacity ? "is-over" : ""}>
          <th scope="row" className="capacity-what" title={w.label}>
            {what === "day" ? w.label : `#${w.key} ${w.label}`}
          </th>
          <td className="mono">{fmtInt(w.items)}</td>
          <td className="mono">
            {fmtInt(w.items_at_current_bands)}
            {w.over_capacity ? <span className="badge badge-fraud capacity-over">over</span> : null}
          </td>
          <td className="mono">
            {fmtInt(w.reviewed_in_top_k)}/{fmtInt(w.top_k)}
          </td>
          <td className="mono">{w.precision_at_k === null ? "—" : fmtPercent(w.precision_at_k)}</td>
        </tr>
      ))}
    </>
  );
}

/** Items a day (live) and per batch against the review capacity, and precision at k of what was reviewed. */
export function CapacityBox({ data, loading, capacity, onCapacity }: { data: Capacity | undefined; loading: boolean; capacity: number; onCapacity: (k: number) => void }) {
  const inputId = useId();
  const latestDay = data?.days[0];
  const latestBatch = data?.batches[0];
  return (
    <section className="card capacity" aria-labelledby="capacity-title" data-testid="capacity">
      <header className="card-header">
        <div>
          <h2 id="capacity-title" className="card-title">
            Review capacity
          </h2>
          <p className="card-subtitle">
            What the bands in force ({data ? `review ≥ ${fmtThreshold(data.bands.review_at)}, decline ≥ ${fmtThreshold(data.bands.decline_at)}` : "…"}) send
            to review, against what the team can review. Precision at k: frauds among the reviewed items of the k highest scores of each day or batch.
          </p>
        </div>
        <div className="card-actions capacity-input">
          <label htmlFor={inputId}>Items a day (k)</label>
          <input
            id={inputId}
            type="number"
            min={1}
            max={1000000}
            step={1}
            value={capacity}
            onChange={(e) => {
              const k = Number(e.target.value);
              if (Number.isInteger(k) && k >= 1 && k <= 1_000_000) onCapacity(k);
            }}
          />
        </div>
      </header>
      {loading && !data ? (
        <Skeleton height={80} />
      ) : data ? (
        <>
          <p className="capacity-summary" data-testid="capacity-summary">
            {latestDay ? `Latest day ${latestDay.label}: ${fmtInt(latestDay.items_at_current_bands)} items at the current bands for ${fmtInt(capacity)} a day. ` : ""}
            {latestBatch ? `Latest batch #${latestBatch.key}: ${fmtInt(latestBatch.items_at_current_bands)} items.` : ""}
            {!latestDay && !latestBatch ? "No decisions yet." : ""}
          </p>
          <div className="table-scroll" tabIndex={0} role="region" aria-label="Review workload">
            <table className="data-table capacity-table">
              <thead>
                <tr>
                  <th scope="col">Day / batch</th>
                  <th scope="col">In queue</th>
                  <th scope="col">At current bands</th>
                  <th scope="col">Reviewed of top k</th>
                  <th scope="col">Precision at k</th>
                </tr>
              </thead>
              <tbody>
                <WorkloadRows rows={data.days.slice(0, 7)} what="day" />
                <WorkloadRows rows={data.batches.slice(0, 7)} what="batch" />
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  );
}
