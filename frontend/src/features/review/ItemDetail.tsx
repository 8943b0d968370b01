import { useId, type RefObject } from "react";
import { fmtDateTime, fmtProbability, fmtThreshold, shortVersion } from "../../shared/format";
import { Skeleton } from "../../shared/ui";
import { reasonsOf } from "../batch/decisionData";
import { BandBadge, ReasonsList } from "../batch/Reasons";
import { useItemReasons, type ReviewItem } from "./reviewApi";
import { fmtAmount, originOf } from "./reviewData";

interface Props {
  item: ReviewItem;
  note: string;
  onNote: (note: string) => void;
  noteRef: RefObject<HTMLTextAreaElement | null>;
  onLabel: (label: 0 | 1) => void;
  busy: boolean;
  error?: string;
}

/** One queue item in context: the transaction, the decision and the bounds in force, its reasons, and the
 * label buttons (f / l) with a note (n). */
export function ItemDetail({ item, note, onNote, noteRef, onLabel, busy, error }: Props) {
  const noteId = useId();
  const stored = reasonsOf(item);
  // reasons computed now: for an item without stored ones, and the label history for every item
  const live = useItemReasons(item);
  const computed = live.data ? reasonsOf(live.data) : null;
  return (
    <article className="item-detail" aria-labelledby="item-title" data-testid="item-detail">
      <h2 id="item-title" className="card-title">
        {item.id ? `Transaction ${item.id}` : "Transaction"} <span className="muted small">· {originOf(item)}</span>
      </h2>
      <dl className="item-facts">
        <div>
          <dt>Amount</dt>
          <dd className="mono">{fmtAmount(item.amount)}</dd>
        </div>
        <div>
          <dt>Time of day</dt>
          <dd className="mono" title={`Time = ${item.time} s from the first transaction`}>
            {item.time_of_day}
          </dd>
        </div>
        <div>
          <dt>Score</dt>
          <dd className="mono">{fmtProbability(item.probability)}</dd>
        </div>
        <div>
          <dt>Band</dt>
          <dd>
            <BandBadge band={item.band} bands={item.review_at !== null && item.decline_at !== null ? { review_at: item.review_at, decline_at: item.decline_at } : null} />
          </dd>
        </div>
        <div>
          <dt>Bounds in force</dt>
          <dd className="mono">
            review ≥ {fmtThreshold(item.review_at)} · decline ≥ {fmtThreshold(item.decline_at)}
          </dd>
        </div>
        <div>
          <dt>Model</dt>
          <dd className="mono" title={item.model_version}>
            {shortVersion(item.model_version)}
          </dd>
        </div>
        <div>
          <dt>Decided</dt>
          <dd>{fmtDateTime(item.decided_at)}</dd>
        </div>
        <div>
          <dt>Label</dt>
          <dd>{item.label === null ? <span className="muted">not yet</span> : item.label === 1 ? "Fraud" : "Legitimate"}</dd>
        </div>
      </dl>

      <div className="label-bar">
        <button type="button" className="btn btn-danger" disabled={busy} onClick={() => onLabel(1)}>
          Fraud <kbd>f</kbd>
        </button>
        <button type="button" className="btn btn-secondary" disabled={busy} onClick={() => onLabel(0)}>
          Legitimate <kbd>l</kbd>
        </button>
        <span className="muted small">
          <kbd>j</kbd>/<kbd>k</kbd> next/previous · <kbd>n</kbd> note
        </span>
        {/* while a label is saving the buttons and keys wait; this says why a key did nothing */}
        <span className="muted small" role="status" data-testid="label-status">
          {busy ? "Saving the label…" : ""}
        </span>
      </div>
      <label className="note-field" htmlFor={noteId}>
        Note <span className="muted small">(optional, kept with the label; up to 500 characters)</span>
      </label>
      <textarea id={noteId} ref={noteRef} className="note-input" maxLength={500} rows={2} value={note} onChange={(e) => onNote(e.target.value)} />
      {error ? (
        <p className="error-text" role="alert">
          Could not save the label: {error}
        </p>
      ) : null}

      <h3 className="detail-subtitle">Reasons</h3>
      {stored ? (
        <ReasonsList reasons={stored} id={`stored-${item.key}`} />
      ) : live.isPending ? (
        <Skeleton height={120} />
      ) : computed ? (
        <>
          <p className="muted small">None were stored with this decision; computed now by the served model ({live.data ? shortVersion(live.data.model_version) : ""}).</p>
          <ReasonsList reasons={computed} id={`computed-${item.key}`} />
        </>
      ) : (
        <p className="muted">{live.error ? `No reasons: ${live.error.message}` : "No reasons available."}</p>
      )}
      {live.data?.history.length ? (
        <>
          <h3 className="detail-subtitle">Label history</h3>
          <ol className="label-history">
            {live.data.history.map((h, i) => (
              <li key={i}>
                {fmtDateTime(h.created_at)} · {h.label === 1 ? "fraud" : "legitimate"} by {h.actor ?? "unknown"} ({h.source})
                {h.note ? <span className="muted"> — {h.note}</span> : null}
              </li>
            ))}
          </ol>
        </>
      ) : null}
    </article>
  );
}
