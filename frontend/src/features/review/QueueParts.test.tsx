import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { CapacityBox } from "./CapacityBox";
import { QueueList } from "./QueueList";
import type { Capacity, ReviewItem } from "./reviewApi";

function item(overrides: Partial<ReviewItem> = {}): ReviewItem {
  return {
    key: "batch:1:5",
    source: "batch",
    batch_id: 1,
    row_number: 5,
    request_id: null,
    id: "txn-5",
    amount: 149.62,
    time: 86_400 + 3_600 * 13 + 60 * 7,
    time_of_day: "13:07",
    probability: 0.912,
    band: "decline",
    review_at: 0.3,
    decline_at: 0.6,
    model_version: "mlp-20261130T101500-abcdef12",
    decided_at: "2026-11-30T10:15:00Z",
    label: null,
    reasons: null,
    ...overrides,
  };
}

describe("QueueList", () => {
  it("shows amount, time of day, band and score, marks the current item and selects on click", async () => {
    const onSelect = vi.fn();
    const items = [item(), item({ key: "live:abc", source: "live", batch_id: null, row_number: null, request_id: "abc", id: null, band: "review", label: 1 })];
    render(<QueueList items={items} selected="live:abc" onSelect={onSelect} />);
    const [first, second] = screen.getAllByRole("button");
    expect(within(first!).getByText("149.62")).toBeInTheDocument();
    expect(within(first!).getByText("13:07")).toBeInTheDocument();
    expect(within(first!).getByText("Decline")).toBeInTheDocument();
    expect(within(first!).getByText("0.9120")).toBeInTheDocument();
    expect(second).toHaveAttribute("aria-current", "true");
    expect(within(second!).getByText("Fraud")).toBeInTheDocument();
    await userEvent.setup().click(first!);
    expect(onSelect).toHaveBeenCalledWith("batch:1:5");
  });
  it("says so when nothing matches", () => {
    render(<QueueList items={[]} selected={null} onSelect={vi.fn()} />);
    expect(screen.getByText(/Nothing in the queue/)).toBeInTheDocument();
  });
});

describe("CapacityBox", () => {
  const data: Capacity = {
    capacity_per_day: 10,
    bands: { review_at: 0.3, decline_at: 0.6 },
    model_version: "m",
    days: [{ key: "2026-11-30", label: "2026-11-30", items: 14, items_at_current_bands: 14, top_k: 10, reviewed_in_top_k: 4, frauds_in_top_k: 3, precision_at_k: 0.75, over_capacity: true }],
    batches: [{ key: "7", label: "holdout.csv", items: 6, items_at_current_bands: 5, top_k: 6, reviewed_in_top_k: 0, frauds_in_top_k: 0, precision_at_k: null, over_capacity: false }],
  };
  it("shows the workload against capacity with precision at k, and changes k", async () => {
    const onCapacity = vi.fn();
    render(<CapacityBox data={data} loading={false} capacity={10} onCapacity={onCapacity} />);
    expect(screen.getByTestId("capacity-summary")).toHaveTextContent("Latest day 2026-11-30: 14 items at the current bands for 10 a day.");
    const rows = screen.getAllByRole("row").slice(1);
    expect(within(rows[0]!).getByText("over")).toBeInTheDocument();
    expect(within(rows[0]!).getByText("75.0%")).toBeInTheDocument();
    expect(within(rows[0]!).getByText("4/10")).toBeInTheDocument();
    expect(within(rows[1]!).getByText("#7 holdout.csv")).toBeInTheDocument();
    expect(within(rows[1]!).getByText("—")).toBeInTheDocument();
    const input = screen.getByLabelText("Items a day (k)");
    await userEvent.setup().type(input, "0");
    expect(onCapacity).toHaveBeenLastCalledWith(100);
  });
});
