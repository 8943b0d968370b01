import { afterEach, describe, expect, it, vi } from "vitest";
import { labeledBatch, rejected } from "../test/fixtures";
import { interpret, uploadCsv, type UploadPhase } from "./upload";

describe("interpret", () => {
  it("reads a scored batch, a rejection and other failures", () => {
    expect(interpret(201, { ...labeledBatch, duplicate: false })).toMatchObject({ kind: "scored" });
    expect(interpret(200, { ...labeledBatch, duplicate: true })).toMatchObject({ kind: "scored" });
    expect(interpret(422, rejected)).toEqual({ kind: "rejected", rejected });
    expect(interpret(413, { detail: "the upload is larger than the limit of 200 MB" })).toEqual({
      kind: "failed",
      status: 413,
      message: "the upload is larger than the limit of 200 MB",
    });
    expect(interpret(413, undefined)).toMatchObject({ message: "the file is larger than the server accepts" });
    expect(interpret(0, undefined)).toMatchObject({ message: "the server could not be reached" });
    expect(interpret(422, { detail: [{ msg: "field required" }] })).toMatchObject({ kind: "failed", message: "field required" });
  });
});

class FakeXhr {
  static last: FakeXhr;
  upload: { onprogress?: (e: ProgressEvent) => void; onload?: () => void } = {};
  onload?: () => void;
  onerror?: () => void;
  onabort?: () => void;
  status = 0;
  responseText = "";
  responseType = "";
  opened: [string, string] | undefined;
  sent: FormData | undefined;
  constructor() {
    FakeXhr.last = this;
  }
  open(method: string, url: string) {
    this.opened = [method, url];
  }
  send(body: FormData) {
    this.sent = body;
  }
  abort() {
    this.onabort?.();
  }
}

describe("uploadCsv", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("posts the file as multipart, reports progress, then processing, then the answer", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeXhr);
    const phases: UploadPhase[] = [];
    const file = new File(["Time,V1\n1,2\n"], "mine.csv", { type: "text/csv" });
    const answer = uploadCsv(file, (p) => phases.push(p));
    const xhr = FakeXhr.last;
    expect(xhr.opened).toEqual(["POST", "/api/batches"]);
    expect((xhr.sent?.get("file") as File).name).toBe("mine.csv");
    xhr.upload.onprogress?.({ loaded: 6, total: 12, lengthComputable: true } as ProgressEvent);
    xhr.upload.onload?.();
    xhr.status = 201;
    xhr.responseText = JSON.stringify({ ...labeledBatch, duplicate: false });
    xhr.onload?.();
    await expect(answer).resolves.toMatchObject({ kind: "scored", batch: { id: 7 } });
    expect(phases).toEqual([
      { phase: "sending", loaded: 0, total: file.size },
      { phase: "sending", loaded: 6, total: 12 },
      { phase: "processing", total: file.size },
    ]);
  });

  it("turns a broken connection and an abort into readable failures", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeXhr);
    const file = new File(["x"], "a.csv");
    const broken = uploadCsv(file, () => undefined);
    FakeXhr.last.onerror?.();
    await expect(broken).resolves.toMatchObject({ kind: "failed", message: "the server could not be reached" });
    const controller = new AbortController();
    const aborted = uploadCsv(file, () => undefined, controller.signal);
    controller.abort();
    await expect(aborted).resolves.toMatchObject({ kind: "failed", message: "the upload was cancelled" });
  });
});
