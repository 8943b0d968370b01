import { QueryClient } from "@tanstack/react-query";
import { act, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { labeledBatch, rejected } from "../../test/fixtures";
import { UploadTracker } from "./UploadTracker";
import { clearUpload, startUpload } from "./uploadStore";

class FakeXhr {
  static last: FakeXhr;
  upload: { onprogress?: (e: ProgressEvent) => void; onload?: () => void } = {};
  onload?: () => void;
  status = 0;
  responseText = "";
  responseType = "";
  constructor() {
    FakeXhr.last = this;
  }
  open() {}
  send() {}
  abort() {}
}

async function answer(status: number, body: unknown, done: Promise<void>) {
  await act(async () => {
    FakeXhr.last.status = status;
    FakeXhr.last.responseText = JSON.stringify(body);
    FakeXhr.last.onload?.();
    await done;
  });
}

describe("UploadTracker", () => {
  beforeEach(() => {
    vi.stubGlobal("XMLHttpRequest", FakeXhr);
    window.location.hash = "#/dashboard";
  });
  afterEach(() => {
    act(() => clearUpload());
    vi.unstubAllGlobals();
  });

  it("shows the upload in flight on another page, then a link to its batch", async () => {
    let done = Promise.resolve();
    act(() => {
      done = startUpload(new File(["Time\n"], "big.csv"), new QueryClient());
    });
    const { rerender } = render(<UploadTracker route={{ page: "dashboard" }} />);
    act(() => FakeXhr.last.upload.onprogress?.({ loaded: 30, total: 100, lengthComputable: true } as ProgressEvent));
    expect(screen.getByRole("status")).toHaveTextContent("Uploading big.csv");
    expect(screen.getByRole("status")).toHaveTextContent("30% sent");
    expect(screen.getByRole("link", { name: "Open the upload page" })).toHaveAttribute("href", "#/");

    rerender(<UploadTracker route={{ page: "upload" }} />); // the upload page shows it in place
    expect(screen.queryByTestId("upload-tracker")).toBeNull();
    rerender(<UploadTracker route={{ page: "dashboard" }} />);

    await answer(201, { ...labeledBatch, duplicate: false }, done);
    expect(screen.getByRole("status")).toHaveTextContent("big.csv is scored");
    expect(screen.getByRole("status")).toHaveTextContent("46,202 rows, 70 flagged.");
    expect(screen.getByRole("link", { name: "Open batch #7" })).toHaveAttribute("href", "#/batches/7");
    expect(window.location.hash).toBe("#/dashboard");

    rerender(<UploadTracker route={{ page: "batch", id: 7, duplicate: false }} />); // found on their own: gone
    expect(screen.queryByTestId("upload-tracker")).toBeNull();
  });

  it("says a file was rejected and where to see why, until dismissed", async () => {
    let done = Promise.resolve();
    act(() => {
      done = startUpload(new File(["x"], "bad.csv"), new QueryClient());
    });
    render(<UploadTracker route={{ page: "dashboard" }} />);
    await answer(422, rejected, done);
    expect(screen.getByRole("status")).toHaveTextContent("bad.csv was rejected");
    expect(screen.getByRole("status")).toHaveTextContent("120 problems, nothing stored.");
    act(() => screen.getByRole("button", { name: "Dismiss" }).click());
    expect(screen.queryByTestId("upload-tracker")).toBeNull();
  });
});
