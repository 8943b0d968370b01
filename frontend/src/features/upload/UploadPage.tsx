import { useQueryClient } from "@tanstack/react-query";
import { useBatches, useDemoFiles } from "../../api/queries";
import { href } from "../../router";
import { fmtDateTime, fmtInt, fmtScore } from "../../shared/format";
import { Card, Notice, Skeleton } from "../../shared/ui";
import { DemoPicker } from "./DemoPicker";
import { Dropzone } from "./Dropzone";
import { ProblemList } from "./ProblemList";
import { UploadStatus, useSeconds } from "./UploadStatus";
import { startDemo, startUpload, useUpload } from "./uploadStore";
import "./upload.css";

export function UploadPage() {
  const queryClient = useQueryClient();
  // the upload itself lives in uploadStore: it carries on, and stays visible, when the user leaves this page
  const state = useUpload();
  const busy = state.status === "busy";
  const seconds = useSeconds(busy ? state.startedAt : null);
  const demoFiles = useDemoFiles();
  const batches = useBatches();

  const recent = batches.data?.data.slice(0, 5);

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1 tabIndex={-1}>Score a batch of card transactions</h1>
          <p className="lede">
            Upload a CSV and every row is scored by the champion model. When the file carries labels, you see how well the model did:
            AUPRC next to the fraud rate, precision, recall and the rows it got wrong.
          </p>
        </div>
      </header>

      <div className="upload-layout">
        <div className="stack">
          <Card id="upload" title="Upload a file" subtitle="Drag and drop, or pick a file. Up to a full 285,000-row export works.">
            <Dropzone onFile={(file) => void startUpload(file, queryClient)} disabled={busy} />
            <div className="status-slot">
              {state.status === "busy" ? <UploadStatus filename={state.filename} phase={state.phase} seconds={seconds} demo={state.demo} /> : null}
              {state.status === "rejected" ? <ProblemList filename={state.filename} rejected={state.rejected} /> : null}
              {state.status === "failed" ? (
                <Notice tone="danger" title={`${state.filename} could not be scored`}>
                  <p>{state.message}</p>
                </Notice>
              ) : null}
            </div>
          </Card>
        </div>

        <div className="stack">
          <Card
            id="demo"
            title="No file at hand? Try the demo"
            subtitle="One click scores a prepared, labeled section of the data, through the same path as an upload."
          >
            <DemoPicker files={demoFiles.data?.data} error={demoFiles.error?.message} busy={busy} onRun={(f) => void startDemo(f, queryClient)} />
          </Card>

          <Card id="recent" title="Recent batches" actions={<a href="#/dashboard" className="link">All batches →</a>}>
            {recent === undefined ? (
              <Skeleton height={120} />
            ) : recent.length === 0 ? (
              <p className="muted">Nothing scored yet. Your first batch will appear here.</p>
            ) : (
              <ul className="recent-list">
                {recent.map((b) => (
                  <li key={b.id}>
                    <a href={href({ page: "batch", id: b.id, duplicate: false })}>
                      <span className="recent-name">
                        <span className="mono muted">#{b.id}</span> {b.filename}
                      </span>
                      <span className="recent-meta">
                        {fmtInt(b.row_count)} rows · {b.metrics ? `AUPRC ${fmtScore(b.metrics.auprc)}` : "no labels"} · {fmtDateTime(b.created_at)}
                      </span>
                    </a>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </div>
      </div>
    </div>
  );
}
