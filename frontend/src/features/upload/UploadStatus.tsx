import { useEffect, useState } from "react";
import type { UploadPhase } from "../../api/upload";
import { fmtBytes } from "../../shared/format";

/** Whole seconds since `since` (a Date.now() value), ticking while it is set. */
export function useSeconds(since: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (since === null) return;
    const timer = window.setInterval(() => setNow(Date.now()), 250);
    return () => window.clearInterval(timer);
  }, [since]);
  return since === null ? 0 : Math.max(0, Math.floor((now - since) / 1000));
}

/** The share of the file sent so far, 0–100. */
export function percentSent(phase: Extract<UploadPhase, { phase: "sending" }>): number {
  return phase.total > 0 ? Math.min(100, Math.round((phase.loaded / phase.total) * 100)) : 0;
}

export function UploadStatus({ filename, phase, seconds, demo }: { filename: string; phase: UploadPhase; seconds: number; demo?: boolean }) {
  const sending = phase.phase === "sending";
  const percent = sending ? percentSent(phase) : 100;
  const title = sending ? `Uploading ${filename}` : `Processing ${filename}`;
  return (
    <div className="upload-status" data-testid="upload-status" aria-live="polite">
      <div className="upload-status-head">
        <p className="upload-status-title">
          <span className="spinner" aria-hidden="true" />
          {title}
        </p>
        <span className="muted mono">{seconds} s</span>
      </div>
      {sending ? (
        <div className="progress" role="progressbar" aria-label="Upload progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
          <span style={{ width: `${percent}%` }} />
        </div>
      ) : (
        <div className="progress progress-indeterminate" role="progressbar" aria-label="Processing on the server">
          <span />
        </div>
      )}
      <p className="upload-status-detail">
        {sending
          ? `${fmtBytes(phase.loaded)} of ${fmtBytes(phase.total)} sent (${percent}%)`
          : demo
            ? "The server is reading the prepared file, validating every row, scoring it with the champion model and computing the metrics."
            : `All ${fmtBytes(phase.total)} sent. The server is validating every row, scoring it with the champion model and computing the metrics; a large file takes a few seconds.`}
      </p>
    </div>
  );
}
