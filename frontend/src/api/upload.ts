// Uploads go through XMLHttpRequest: fetch cannot report upload progress.
import { type BatchUpload, type Rejected, detailOf, UPLOAD_ROUTE } from "./client";

export type UploadPhase =
  | { phase: "sending"; loaded: number; total: number }
  | { phase: "processing"; total: number };

export type UploadResult =
  | { kind: "scored"; batch: BatchUpload }
  | { kind: "rejected"; rejected: Rejected }
  | { kind: "failed"; status: number; message: string };

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function isRejected(body: unknown): body is Rejected {
  return (
    !!body &&
    typeof body === "object" &&
    Array.isArray((body as Rejected).problems) &&
    typeof (body as Rejected).total === "number"
  );
}

/** Interpret the server's answer to an upload (also used for demo runs). */
export function interpret(status: number, body: unknown): UploadResult {
  if ((status === 200 || status === 201) && body && typeof body === "object" && "id" in body) {
    return { kind: "scored", batch: body as BatchUpload };
  }
  if (status === 422 && isRejected(body)) return { kind: "rejected", rejected: body };
  const fallback =
    status === 413
      ? "the file is larger than the server accepts"
      : status === 0
        ? "the server could not be reached"
        : `the server answered ${status}`;
  return { kind: "failed", status, message: detailOf(body, fallback) };
}

export function uploadCsv(file: File, onPhase: (phase: UploadPhase) => void, signal?: AbortSignal): Promise<UploadResult> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", UPLOAD_ROUTE);
    xhr.responseType = "text";
    xhr.upload.onprogress = (event) => {
      onPhase({ phase: "sending", loaded: event.loaded, total: event.lengthComputable ? event.total : file.size });
    };
    xhr.upload.onload = () => onPhase({ phase: "processing", total: file.size });
    xhr.onload = () => resolve(interpret(xhr.status, parse(xhr.responseText)));
    xhr.onerror = () => resolve(interpret(0, undefined));
    xhr.onabort = () => resolve({ kind: "failed", status: 0, message: "the upload was cancelled" });
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    const form = new FormData();
    form.append("file", file, file.name);
    onPhase({ phase: "sending", loaded: 0, total: file.size });
    xhr.send(form);
  });
}
