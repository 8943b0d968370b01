import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { api, type BatchUpload, type DemoFile, type Rejected } from "../../api/client";
import { keys, useBatches, useDemoFiles } from "../../api/queries";
import { interpret, uploadCsv, type UploadPhase, type UploadResult } from "../../api/upload";
import { href, navigate } from "../../router";
import { fmtDateTime, fmtInt, fmtScore } from "../../shared/format";
import { Card, Notice, Skeleton } from "../../shared/ui";
import { DemoPicker } from "./DemoPicker";
import { Dropzone } from "./Dropzone";
import { ProblemList } from "./ProblemList";
import { UploadStatus } from "./UploadStatus";
import "./upload.css";

type State =
  | { status: "idle" }
  | { status: "busy"; filename: string; phase: UploadPhase; startedAt: number; demo: boolean }
  | { status: "rejected"; filename: string; rejected: Rejected }
  | { status: "failed"; filename: string; message: string };

function useSeconds(since: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (since === null) return;
    const timer = window.setInterval(() => setNow(Date.now()), 250);
    return () => window.clearInterval(timer);
  }, [since]);
  return since === null ? 0 : Math.max(0, Math.floor((now - since) / 1000));
}

export function UploadPage() {
  const queryClient = useQueryClient();
  const [state, setState] = useState<State>({ status: "idle" });
  const busy = state.status === "busy";
  const seconds = useSeconds(busy ? state.startedAt : null);
  const demoFiles = useDemoFiles();
  const batches = useBatches();

  const finish = (filename: string, result: UploadResult) => {
    if (result.kind === "scored") {
      const { duplicate, ...batch } = result.batch satisfies BatchUpload;
      queryClient.setQueryData(keys.batch(batch.id), batch);
      void queryClient.invalidateQueries({ queryKey: keys.batches });
      void queryClient.invalidateQueries({ queryKey: keys.models });
      setState({ status: "idle" });
      navigate({ page: "batch", id: batch.id, duplicate });
    } else if (result.kind === "rejected") {
      setState({ status: "rejected", filename, rejected: result.rejected });
    } else {
      setState({ status: "failed", filename, message: result.message });
    }
  };

  const upload = useMutation({
    mutationFn: (file: File) =>
      uploadCsv(file, (phase) =>
        setState((s) => (s.status === "busy" ? { ...s, phase } : s)),
      ),
    onMutate: (file) =>
      setState({ status: "busy", filename: file.name, phase: { phase: "sending", loaded: 0, total: file.size }, startedAt: Date.now(), demo: false }),
    onSuccess: (result, file) => finish(file.name, result),
    onError: (error, file) => setState({ status: "failed", filename: file.name, message: error.message }),
  });

  const demo = useMutation({
    mutationFn: async (file: DemoFile) => {
      const { data, error, response } = await api.POST("/api/demo/{name}", { params: { path: { name: file.name } } });
      return interpret(response.status, data ?? error);
    },
    onMutate: (file) =>
      setState({ status: "busy", filename: file.filename, phase: { phase: "processing", total: file.size_bytes }, startedAt: Date.now(), demo: true }),
    onSuccess: (result, file) => finish(file.filename, result),
    onError: (error, file) => setState({ status: "failed", filename: file.filename, message: error.message }),
  });

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
            <Dropzone onFile={(file) => upload.mutate(file)} disabled={busy} />
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
            <DemoPicker files={demoFiles.data?.data} error={demoFiles.error?.message} busy={busy} onRun={(f) => demo.mutate(f)} />
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
