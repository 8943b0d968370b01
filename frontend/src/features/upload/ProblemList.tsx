import type { Rejected } from "../../api/client";
import { fmtInt, plural } from "../../shared/format";
import { notCsvSentence, readingOrder } from "./problems";

export function ProblemList({ filename, rejected }: { filename: string; rejected: Rejected }) {
  const sentence = notCsvSentence(filename, rejected);
  if (sentence) {
    return (
      <div className="problems" role="alert" data-testid="problems">
        <p className="problems-title">{sentence}</p>
        <p className="problems-sub">Nothing was stored. Upload a CSV file with a header row in the layout above.</p>
      </div>
    );
  }
  const shown = rejected.problems.length;
  return (
    <div className="problems" role="alert" data-testid="problems">
      <p className="problems-title">
        {filename} was rejected: {plural(rejected.total, "problem")} found, nothing was stored.
      </p>
      <p className="problems-sub">
        {shown < rejected.total ? `The first ${fmtInt(shown)} of ${fmtInt(rejected.total)} are listed, in reading order. ` : ""}
        Fix the file and upload it again. Line 1 is the header row.
      </p>
      <div className="table-scroll" tabIndex={0} role="region" aria-label="Problems in the file">
        <table className="data-table problems-table">
          <thead>
            <tr>
              <th scope="col" className="num">Line</th>
              <th scope="col">Column</th>
              <th scope="col">Problem</th>
            </tr>
          </thead>
          <tbody>
            {readingOrder(rejected.problems).map((p, i) => (
              <tr key={i}>
                <td className="num mono">{p.line ?? "—"}</td>
                <td className="mono">{p.column ?? "—"}</td>
                <td>{p.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
