import type { Rejected } from "../../api/client";
import { fmtInt } from "../../shared/format";

export function ProblemList({ filename, rejected }: { filename: string; rejected: Rejected }) {
  const shown = rejected.problems.length;
  return (
    <div className="problems" role="alert" data-testid="problems">
      <p className="problems-title">
        {filename} was rejected: {fmtInt(rejected.total)} problem{rejected.total === 1 ? "" : "s"} found, nothing was stored.
      </p>
      <p className="problems-sub">
        {shown < rejected.total ? `The first ${fmtInt(shown)} of ${fmtInt(rejected.total)} are listed. ` : ""}
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
            {rejected.problems.map((p, i) => (
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
