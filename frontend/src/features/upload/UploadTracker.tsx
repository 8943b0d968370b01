import { useEffect } from "react";
import { href, type Route } from "../../router";
import { fmtInt, plural } from "../../shared/format";
import { Icon } from "../../shared/ui";
import { clearUpload, useUpload } from "./uploadStore";
import { percentSent, useSeconds } from "./UploadStatus";
import "./tracker.css";

/**
 * The upload seen from any other page: a small panel in the corner while the file travels, then a notice with a
 * link when it ends. It never navigates; on the upload page itself the page shows all of this in place.
 */
export function UploadTracker({ route }: { route: Route }) {
  const upload = useUpload();
  const seconds = useSeconds(upload.status === "busy" ? upload.startedAt : null);
  const openedIt = upload.status === "scored" && route.page === "batch" && route.id === upload.batch.id;
  useEffect(() => {
    if (openedIt) clearUpload(); // the user found the batch on their own: the notice has done its work
  }, [openedIt]);
  if (upload.status === "idle" || openedIt || (route.page === "upload" && upload.status !== "scored")) return null;
  // one live region, always the same element, so screen readers hear each change of what it says
  return (
    <aside className="upload-tracker" aria-label="Upload" data-testid="upload-tracker">
      <div role="status" aria-live="polite" className="upload-tracker-body">
        {upload.status === "busy" ? (
          <>
            <p className="upload-tracker-title">
              <span className="spinner" aria-hidden="true" />
              {upload.phase.phase === "sending" ? `Uploading ${upload.filename}` : `Processing ${upload.filename}`}
            </p>
            <div className="progress" aria-hidden="true">
              <span style={{ width: `${upload.phase.phase === "sending" ? percentSent(upload.phase) : 100}%` }} />
            </div>
            <p className="upload-tracker-detail">
              {upload.phase.phase === "sending" ? `${percentSent(upload.phase)}% sent` : "the server is scoring it"} · {seconds} s ·{" "}
              <a href={href({ page: "upload" })}>Open the upload page</a>
            </p>
          </>
        ) : upload.status === "scored" ? (
          <>
            <p className="upload-tracker-title">
              <Icon name="info" size={16} />
              {upload.batch.duplicate ? `${upload.filename} was uploaded before` : `${upload.filename} is scored`}
            </p>
            <p className="upload-tracker-detail">
              {fmtInt(upload.batch.rows)} rows, {fmtInt(upload.batch.flagged)} flagged.{" "}
              <a href={href({ page: "batch", id: upload.batch.id, duplicate: upload.batch.duplicate })} onClick={clearUpload}>
                Open batch #{upload.batch.id}
              </a>
            </p>
          </>
        ) : (
          <>
            <p className="upload-tracker-title is-problem">
              <Icon name="alert" size={16} />
              {upload.status === "rejected" ? `${upload.filename} was rejected` : `${upload.filename} could not be scored`}
            </p>
            <p className="upload-tracker-detail">
              {upload.status === "rejected" ? `${plural(upload.rejected.total, "problem")}, nothing stored. ` : `${upload.message}. `}
              <a href={href({ page: "upload" })}>See why</a>
            </p>
          </>
        )}
      </div>
      {upload.status !== "busy" ? (
        <button type="button" className="btn btn-ghost btn-small upload-tracker-close" onClick={clearUpload}>
          Dismiss
        </button>
      ) : null}
    </aside>
  );
}
