import type { Confusion } from "../../api/client";
import { fmtInt, fmtPercent, noun } from "../../shared/format";

function share(part: number, whole: number): string {
  return whole ? fmtPercent(part / whole) : "—";
}

export function ConfusionMatrix({ confusion }: { confusion: Confusion }) {
  const { tp, fp, fn, tn } = confusion;
  const frauds = tp + fn;
  const legit = fp + tn;
  return (
    <table className="confusion" aria-label="Confusion matrix at the model's threshold">
      <thead>
        <tr>
          <td />
          <th scope="col">Flagged as fraud</th>
          <th scope="col">Passed as legit</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <th scope="row">
            Actually fraud <span className="muted">({fmtInt(frauds)})</span>
          </th>
          <td className="cell cell-tp" data-testid="confusion-tp">
            <strong>{fmtInt(tp)}</strong>
            <span>caught · {share(tp, frauds)}</span>
          </td>
          <td className="cell cell-fn" data-testid="confusion-fn">
            <strong>{fmtInt(fn)}</strong>
            <span>missed · {share(fn, frauds)}</span>
          </td>
        </tr>
        <tr>
          <th scope="row">
            Actually legit <span className="muted">({fmtInt(legit)})</span>
          </th>
          <td className="cell cell-fp" data-testid="confusion-fp">
            <strong>{fmtInt(fp)}</strong>
            <span>
              {noun(fp, "false alarm")} · {share(fp, legit)}
            </span>
          </td>
          <td className="cell cell-tn" data-testid="confusion-tn">
            <strong>{fmtInt(tn)}</strong>
            <span>correctly passed · {share(tn, legit)}</span>
          </td>
        </tr>
      </tbody>
    </table>
  );
}
