import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { demoFiles, rejected } from "../../test/fixtures";
import { DemoPicker } from "./DemoPicker";
import { Dropzone } from "./Dropzone";
import { ProblemList } from "./ProblemList";
import { UploadStatus } from "./UploadStatus";

describe("UploadStatus", () => {
  it("shows a progress bar while the file travels", () => {
    render(<UploadStatus filename="big.csv" phase={{ phase: "sending", loaded: 5 * 1024 * 1024, total: 20 * 1024 * 1024 }} seconds={3} />);
    const bar = screen.getByRole("progressbar", { name: "Upload progress" });
    expect(bar).toHaveAttribute("aria-valuenow", "25");
    expect(screen.getByText("5.0 MB of 20 MB sent (25%)")).toBeInTheDocument();
    expect(screen.getByText("Uploading big.csv")).toBeInTheDocument();
  });

  it("says the server is processing once the bytes are sent", () => {
    render(<UploadStatus filename="big.csv" phase={{ phase: "processing", total: 20 * 1024 * 1024 }} seconds={5} />);
    expect(screen.getByText("Processing big.csv")).toBeInTheDocument();
    const bar = screen.getByRole("progressbar", { name: "Processing on the server" });
    expect(bar).not.toHaveAttribute("aria-valuenow");
    expect(screen.getByText(/validating every row/)).toBeInTheDocument();
  });
});

describe("ProblemList", () => {
  it("lists line, column and message, and says how many there are in all", () => {
    render(<ProblemList filename="broken.csv" rejected={rejected} />);
    expect(screen.getByRole("alert")).toHaveTextContent("broken.csv was rejected: 120 problems found, nothing was stored.");
    expect(screen.getByText(/The first 2 of 120 are listed/)).toBeInTheDocument();
    const cells = screen.getAllByRole("cell").map((c) => c.textContent);
    expect(cells).toEqual(["3", "V3", "not a number: 'abc'", "5", "Amount", "must be ≥ 0"]);
  });

  it("shows the problems in reading order, whatever order they arrive in", () => {
    render(<ProblemList filename="broken.csv" rejected={{ ...rejected, problems: [...rejected.problems].reverse() }} />);
    expect(screen.getAllByRole("cell").map((c) => c.textContent)[0]).toBe("3");
  });

  it("says in one sentence that a file is not a CSV at all", () => {
    const notText = { detail: "", total: 1, problems: [{ line: 1, column: null, message: "the file is not UTF-8 text (is it a CSV file?)" }] };
    render(<ProblemList filename="photo.png" rejected={notText} />);
    expect(screen.getByRole("alert")).toHaveTextContent("photo.png is not a CSV file that can be scored: the file is not UTF-8 text");
    expect(screen.queryByRole("table")).toBeNull();
  });
});

describe("DemoPicker", () => {
  it("offers one button per prepared file", async () => {
    const onRun = vi.fn();
    render(<DemoPicker files={demoFiles} busy={false} onRun={onRun} />);
    await userEvent.click(screen.getByRole("button", { name: "Score holdout.csv" }));
    expect(onRun).toHaveBeenCalledWith(demoFiles[1]);
    expect(screen.getByText(/46,202 rows · 25 MB/)).toBeInTheDocument();
  });

  it("explains an empty list and disables buttons while busy", () => {
    const { rerender } = render(<DemoPicker files={[]} busy={false} onRun={vi.fn()} />);
    expect(screen.getByText(/No prepared files/)).toBeInTheDocument();
    rerender(<DemoPicker files={demoFiles} busy onRun={vi.fn()} />);
    for (const button of screen.getAllByRole("button")) expect(button).toBeDisabled();
  });
});

describe("Dropzone", () => {
  it("hands a picked file over", async () => {
    const onFile = vi.fn();
    render(<Dropzone onFile={onFile} disabled={false} />);
    const file = new File(["Time,V1\n"], "mine.csv", { type: "text/csv" });
    await userEvent.upload(screen.getByTestId("file-input"), file);
    expect(onFile).toHaveBeenCalledWith(file);
    expect(screen.getByRole("button", { name: /Choose a file/ })).toBeEnabled();
  });

  it("hands a dropped file over", () => {
    const onFile = vi.fn();
    render(<Dropzone onFile={onFile} disabled={false} />);
    const file = new File(["x"], "dropped.csv", { type: "text/csv" });
    const zone = screen.getByTestId("dropzone");
    zone.dispatchEvent(Object.assign(new Event("drop", { bubbles: true }), { dataTransfer: { files: [file] } }));
    expect(onFile).toHaveBeenCalledWith(file);
  });
});
