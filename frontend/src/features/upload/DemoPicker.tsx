import type { DemoFile } from "../../api/client";
import { fmtBytes, fmtInt } from "../../shared/format";
import { Icon, Skeleton } from "../../shared/ui";

interface Props {
  files: DemoFile[] | undefined;
  error?: string;
  busy: boolean;
  onRun: (file: DemoFile) => void;
}

export function DemoPicker({ files, error, busy, onRun }: Props) {
  if (error) return <p className="error-text">Could not list the demo files: {error}</p>;
  if (!files) {
    return (
      <ul className="demo-list" aria-busy="true">
        {[0, 1, 2].map((i) => (
          <li key={i} className="demo-item">
            <div className="demo-text">
              <Skeleton height={16} width="40%" />
              <Skeleton height={12} width="85%" />
            </div>
            <Skeleton height={36} width={96} />
          </li>
        ))}
      </ul>
    );
  }
  if (files.length === 0) {
    return (
      <p className="muted">
        No prepared files on the server. <code>make run</code> writes them to <code>data_splits/</code> on its first start.
      </p>
    );
  }
  return (
    <ul className="demo-list">
      {files.map((f) => (
        <li key={f.name} className="demo-item">
          <div className="demo-text">
            <p className="demo-name">
              <span className="mono">{f.filename}</span>
              <span className="muted"> · {fmtInt(f.rows)} rows · {fmtBytes(f.size_bytes)}</span>
            </p>
            <p className="demo-description">{f.description}</p>
          </div>
          <button type="button" className="btn btn-secondary" disabled={busy} onClick={() => onRun(f)} aria-label={`Score ${f.filename}`}>
            <Icon name="play" size={16} /> Score
          </button>
        </li>
      ))}
    </ul>
  );
}
