import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { PredictionRow } from "../../api/client";
import { PredictionsTableView } from "./PredictionsTable";

const rows: PredictionRow[] = [
  { row_number: 0, id: null, probability: 0.99, is_fraud: true, label: 1, band: "decline", reasons: null, amount: 1234.5, time: 86_400 + 3_600 * 9 + 300 },
  { row_number: 1, id: null, probability: 0.2, is_fraud: false, label: 1, band: "review", reasons: null, amount: 3, time: 60 },
];

function renderTable(overrides: Partial<Parameters<typeof PredictionsTableView>[0]> = {}) {
  const props = {
    rows,
    count: 95,
    filter: "all" as const,
    sort: "amount" as const,
    offset: 0,
    counts: { all: 95, flagged: 1, mistakes: 1, false_alarms: 0, misses: 1 },
    loading: false,
    csvUrl: "/x.csv",
    onFilter: vi.fn(),
    onSort: vi.fn(),
    onPage: vi.fn(),
    onBand: vi.fn(),
    ...overrides,
  };
  render(<PredictionsTableView {...props} />);
  return props;
}

describe("PredictionsTableView: amount, time, bands, misses, pages", () => {
  it("shows Amount and Time of day, and sorts amount and probability both ways", async () => {
    const user = userEvent.setup();
    const props = renderTable();
    const body = screen.getAllByRole("row").slice(1);
    expect(within(body[0]!).getByText("1,234.50")).toBeInTheDocument();
    expect(within(body[0]!).getByText("09:05")).toBeInTheDocument();
    expect(screen.getByRole("columnheader", { name: /Amount/ })).toHaveAttribute("aria-sort", "descending");
    await user.click(screen.getByRole("button", { name: /^Amount/ }));
    expect(props.onSort).toHaveBeenLastCalledWith("amount_asc");
    await user.click(screen.getByRole("button", { name: /Fraud probability/ }));
    expect(props.onSort).toHaveBeenLastCalledWith("probability");
  });
  it("filters false alarms and misses apart, and by band", async () => {
    const user = userEvent.setup();
    const props = renderTable();
    await user.click(screen.getByRole("button", { name: /Misses/ }));
    expect(props.onFilter).toHaveBeenLastCalledWith("misses");
    await user.click(screen.getByRole("button", { name: /False alarms/ }));
    expect(props.onFilter).toHaveBeenLastCalledWith("false_alarms");
    await user.selectOptions(screen.getByRole("combobox", { name: "Band" }), "review");
    expect(props.onBand).toHaveBeenLastCalledWith("review");
  });
  it("disables false alarms and misses without labels", () => {
    renderTable({ counts: { all: 95, flagged: 1, mistakes: null } });
    expect(screen.getByRole("button", { name: /Misses/ })).toBeDisabled();
  });
  it("jumps to a page", async () => {
    const user = userEvent.setup();
    const props = renderTable();
    await user.type(screen.getByRole("spinbutton", { name: /Page/ }), "4");
    await user.click(screen.getByRole("button", { name: "Go" }));
    expect(props.onPage).toHaveBeenLastCalledWith(60);
    await user.clear(screen.getByRole("spinbutton", { name: /Page/ }));
    await user.type(screen.getByRole("spinbutton", { name: /Page/ }), "9");
    await user.click(screen.getByRole("button", { name: "Go" }));
    expect(props.onPage).toHaveBeenCalledTimes(1); // 9 > 5 pages: refused
  });
});
