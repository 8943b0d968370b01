import { QueryClient } from "@tanstack/react-query";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { keys } from "../../api/queries";
import { labeledBatch, rejected } from "../../test/fixtures";
import { clearUpload, getUpload, startUpload } from "./uploadStore";

/** An XMLHttpRequest the test answers by hand. */
class FakeXhr {
  static last: FakeXhr;
  upload: { onprogress?: (e: ProgressEvent) => void; onload?: () => void } = {};
  onload?: () => void;
  onerror?: () => void;
  onabort?: () => void;
  status = 0;
  responseText = "";
  responseType = "";
  constructor() {
    FakeXhr.last = this;
  }
  open() {}
  send() {}
  abort() {}
  answer(status: number, body: unknown) {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.();
  }
}

const file = new File(["Time,V1\n1,2\n"], "mine.csv", { type: "text/csv" });

describe("the upload in flight", () => {
  beforeEach(() => {
    vi.stubGlobal("XMLHttpRequest", FakeXhr);
    window.location.hash = "#/";
  });
  afterEach(() => {
    clearUpload();
    vi.unstubAllGlobals();
  });

  it("takes a user still on the upload page to the new batch", async () => {
    const queryClient = new QueryClient();
    const done = startUpload(file, queryClient);
    expect(getUpload()).toMatchObject({ status: "busy", filename: "mine.csv" });
    FakeXhr.last.answer(201, { ...labeledBatch, duplicate: false });
    await done;
    expect(window.location.hash).toBe("#/batches/7");
    expect(getUpload()).toEqual({ status: "idle" });
    expect(queryClient.getQueryData(keys.batch(7))).toMatchObject({ id: 7, filename: "stream_1.csv" });
  });

  it("goes on when the user leaves, and does not pull them back: it leaves a notice instead", async () => {
    const done = startUpload(file, new QueryClient());
    FakeXhr.last.upload.onprogress?.({ loaded: 6, total: 12, lengthComputable: true } as ProgressEvent);
    window.location.hash = "#/dashboard";
    expect(getUpload()).toMatchObject({ status: "busy", phase: { phase: "sending", loaded: 6 } });
    FakeXhr.last.answer(201, { ...labeledBatch, duplicate: false });
    await done;
    expect(window.location.hash).toBe("#/dashboard");
    expect(getUpload()).toEqual({ status: "scored", filename: "mine.csv", batch: { id: 7, rows: 46_202, flagged: 70, duplicate: false } });
    clearUpload();
    expect(getUpload()).toEqual({ status: "idle" });
  });

  it("keeps a rejection for the upload page, wherever the user is", async () => {
    const done = startUpload(file, new QueryClient());
    window.location.hash = "#/batches/3";
    FakeXhr.last.answer(422, rejected);
    await done;
    expect(window.location.hash).toBe("#/batches/3");
    expect(getUpload()).toEqual({ status: "rejected", filename: "mine.csv", rejected });
  });

  it("runs one upload at a time", async () => {
    const first = startUpload(file, new QueryClient());
    const xhr = FakeXhr.last;
    await startUpload(new File(["x"], "second.csv"), new QueryClient());
    expect(FakeXhr.last).toBe(xhr);
    expect(getUpload()).toMatchObject({ filename: "mine.csv" });
    xhr.answer(201, { ...labeledBatch, duplicate: false });
    await first;
  });
});
