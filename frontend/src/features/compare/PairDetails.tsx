import { fmtInt, fmtProbability, fmtScore, shortVersion } from "../../shared/format";
import type { PairComparison } from "./compareApi";
import { intervalVerdict, sideName } from "./series";

const VERDICT_TEXT = {
  higher: "reliably higher",
  lower: "reliably lower",
  unclear: "not distinguishable from the first",
} as const;

/** One pair of versions: the paired bootstrap interval of the AUPRC difference and the rows they disagree on. */
export function PairDetails({ pair }: { pair: PairComparison }) {
  const a = shortVersion(pair.a);
  const b = shortVersion(pair.b);
  const ci = pair.interval;
  const verdict = intervalVerdict(ci.low, ci.high);
  return (
    <div className="pair" data-testid="pair-details">
      <p className="interval" data-testid="interval">
        AUPRC of <strong>{b}</strong> minus <strong>{a}</strong>: <strong>{signed(ci.difference)}</strong>, {Math.round(ci.level * 100)} % interval{" "}
        <strong>
          [{signed(ci.low)}, {signed(ci.high)}]
        </strong>{" "}
        over {fmtInt(ci.replicates)} paired bootstrap resamples (seed {ci.seed}); {b} is {VERDICT_TEXT[verdict]}.
      </p>
      <p>
        Flagged by {a} only: <strong>{fmtInt(pair.a_only)}</strong> ({fmtInt(pair.a_only_frauds)} frauds). Flagged by {b} only:{" "}
        <strong>{fmtInt(pair.b_only)}</strong> ({fmtInt(pair.b_only_frauds)} frauds). Each at its own threshold.
      </p>
      {pair.rows.length ? (
        <div className="table-scroll">
          <table className="compare-table" data-testid="disagreements">
            <caption>The first {pair.rows.length} disagreements, highest score first</caption>
            <thead>
              <tr>
                <th scope="col">Batch</th>
                <th scope="col">Row</th>
                <th scope="col">True class</th>
                <th scope="col">{a}</th>
                <th scope="col">{b}</th>
                <th scope="col">Flagged by</th>
              </tr>
            </thead>
            <tbody>
              {pair.rows.map((r) => (
                <tr key={`${r.batch_id}-${r.row_number}`}>
                  <td>
                    <a href={`#/batches/${r.batch_id}`}>#{r.batch_id}</a>
                  </td>
                  <td className="num">{fmtInt(r.row_number)}</td>
                  <td>{r.label === 1 ? "fraud" : "legitimate"}</td>
                  <td className="num">{fmtProbability(r.a_probability)}</td>
                  <td className="num">{fmtProbability(r.b_probability)}</td>
                  <td>{shortVersion(sideName(r.flagged_by, pair.a, pair.b))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted">The two versions flag exactly the same rows.</p>
      )}
    </div>
  );
}

function signed(x: number): string {
  return `${x >= 0 ? "+" : "−"}${fmtScore(Math.abs(x), 4)}`;
}
