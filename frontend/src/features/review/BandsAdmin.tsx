import { useId, useState } from "react";
import { fmtThreshold } from "../../shared/format";
import { useBands, useBandSuggestion, usePutBands, type BandPair } from "./reviewApi";

export const TOKEN_KEY = "fraudops.adminToken";

function readToken(): string {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? "";
  } catch {
    return "";
  }
}

/** Checks a pair of bounds the way the server does (0 ≤ review ≤ decline ≤ 1). */
export function boundsProblem(review: number, decline: number): string | null {
  if (!Number.isFinite(review) || !Number.isFinite(decline)) return "both bounds must be numbers";
  if (review < 0 || decline > 1) return "bounds lie between 0 and 1";
  if (review > decline) return "the review bound must not be above the decline bound";
  return null;
}

/** An admin changes the band bounds (recorded; new decisions only), with the bounds that would fill the
 * review capacity on the latest batch offered. The admin token stays in this tab only (sessionStorage). */
export function BandsAdmin({ capacity }: { capacity: number }) {
  const ids = { token: useId(), review: useId(), decline: useId(), note: useId() };
  const bands = useBands();
  const suggestion = useBandSuggestion(capacity);
  const [token, setToken] = useState(readToken);
  const put = usePutBands(token);
  const [draft, setDraft] = useState<{ review: string; decline: string; note: string }>({ review: "", decline: "", note: "" });
  const fill = (pair: BandPair) => setDraft((d) => ({ ...d, review: String(pair.review_at), decline: String(pair.decline_at) }));
  const review = Number(draft.review);
  const decline = Number(draft.decline);
  const problem = draft.review === "" || draft.decline === "" ? null : boundsProblem(review, decline);
  const suggested = suggestion.data?.bands ?? null;
  return (
    <details className="card bands-admin" data-testid="bands-admin">
      <summary className="card-title">Band bounds (admin)</summary>
      <p className="muted small">
        In force:{" "}
        {bands.data ? (
          <span className="mono">
            review ≥ {fmtThreshold(bands.data.review_at)}, decline ≥ {fmtThreshold(bands.data.decline_at)}
          </span>
        ) : bands.error ? (
          `unavailable (${bands.error.message})`
        ) : (
          "…"
        )}
        . A change is recorded and applies to new decisions only.
      </p>
      <p className="small">
        Suggestion for {capacity} a day:{" "}
        {suggested ? (
          <>
            <span className="mono">
              review ≥ {fmtThreshold(suggested.review_at)}, decline ≥ {fmtThreshold(suggested.decline_at)}
            </span>{" "}
            <button type="button" className="btn btn-ghost btn-small" onClick={() => fill(suggested)}>
              Use it
            </button>
          </>
        ) : suggestion.error ? (
          <span className="muted">unavailable ({suggestion.error.message})</span>
        ) : (
          "…"
        )}
      </p>
      <form
        className="bands-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (boundsProblem(review, decline) === null) put.mutate({ review_at: review, decline_at: decline, note: draft.note });
        }}
      >
        <label htmlFor={ids.token}>Admin token</label>
        <input
          id={ids.token}
          type="password"
          autoComplete="off"
          value={token}
          onChange={(e) => {
            setToken(e.target.value);
            try {
              sessionStorage.setItem(TOKEN_KEY, e.target.value);
            } catch {
              // storage refused: the token lives in this page only
            }
          }}
        />
        <label htmlFor={ids.review}>Review from</label>
        <input id={ids.review} inputMode="decimal" value={draft.review} onChange={(e) => setDraft({ ...draft, review: e.target.value })} />
        <label htmlFor={ids.decline}>Decline from</label>
        <input id={ids.decline} inputMode="decimal" value={draft.decline} onChange={(e) => setDraft({ ...draft, decline: e.target.value })} />
        <label htmlFor={ids.note}>Why</label>
        <input id={ids.note} maxLength={500} value={draft.note} onChange={(e) => setDraft({ ...draft, note: e.target.value })} />
        <button type="submit" className="btn btn-primary" disabled={!token || problem !== null || draft.review === "" || put.isPending}>
          Change bands
        </button>
        {problem ? <p className="error-text">{problem}</p> : null}
        {put.error ? (
          <p className="error-text" role="alert">
            {put.error.message}
          </p>
        ) : null}
        {put.isSuccess ? <p role="status">Saved: new decisions use these bounds.</p> : null}
      </form>
    </details>
  );
}
