import { fmtProbability } from "../../shared/format";
import { BandBadge } from "../batch/Reasons";
import { fmtAmount, type ReviewItem } from "./reviewData";

/** The queue's items, the selected one marked; a click selects (j/k do the same from the keyboard). */
export function QueueList({ items, selected, onSelect }: { items: ReviewItem[]; selected: string | null; onSelect: (key: string) => void }) {
  if (!items.length) return <p className="muted queue-empty">Nothing in the queue matches these filters.</p>;
  return (
    <ol className="queue-list" aria-label="Queue items">
      {items.map((item) => {
        const current = item.key === selected;
        return (
          <li key={item.key}>
            <button
              type="button"
              className={`queue-item ${current ? "is-current" : ""}`}
              aria-current={current ? "true" : undefined}
              data-key={item.key}
              onClick={() => onSelect(item.key)}
            >
              <span className="queue-item-main">
                <span className="mono queue-amount">{fmtAmount(item.amount)}</span>
                <span className="mono muted">{item.time_of_day}</span>
                <BandBadge band={item.band} />
              </span>
              <span className="queue-item-sub">
                <span className="mono">{fmtProbability(item.probability)}</span>
                <span className="muted">{item.id ?? (item.source === "live" ? "live" : `batch ${item.batch_id} · row ${item.row_number}`)}</span>
                {item.label === null ? null : (
                  <span className={`badge ${item.label === 1 ? "badge-fraud" : "badge-tn"}`}>{item.label === 1 ? "Fraud" : "Legit"}</span>
                )}
              </span>
            </button>
          </li>
        );
      })}
    </ol>
  );
}
