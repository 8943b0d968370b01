import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { rows } from "../../test/fixtures";
import { PredictionsTableView, outcomeOf } from "./PredictionsTable";

const counts = { all: 46_202, flagged: 70, mistakes: 38 };

function renderTable(overrides: Partial<Parameters<typeof PredictionsTableView>[0]> = {}) {
  const props = {
    rows,
    count: 46_202,
    filter: "all" as const,
    sort: "row" as const,
    offset: 0,
    counts,
    loading: false,
    csvUrl: "/api/batches/7/predictions.csv",
    onFilter: vi.fn(),
    onSort: vi.fn(),
    onPage: vi.fn(),
    ...overrides,
  };
  render(<PredictionsTableView {...props} />);
  return props;
}

describe("PredictionsTableView", () => {
  it("labels every outcome", () => {
    expect(rows.map((r) => outcomeOf(r)?.label)).toEqual(["Caught", "False alarm", "Missed", "Correct pass"]);
    expect(outcomeOf({ ...rows[0]!, label: null })).toBeNull();
  });

  it("shows rows with probability, decision, class and outcome", () => {
    renderTable();
    const body = screen.getAllByRole("row").slice(1);
    expect(body).toHaveLength(4);
    expect(within(body[0]!).getByText("0.9900")).toBeInTheDocument();
    expect(within(body[0]!).getByText("Flagged")).toBeInTheDocument();
    expect(within(body[1]!).getByText("False alarm")).toBeInTheDocument();
    expect(within(body[3]!).getByText("<0.0001")).toBeInTheDocument();
    expect(screen.getByText("Rows 1–20 of 46,202")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: /Download scored rows/ })).toHaveAttribute("href", "/api/batches/7/predictions.csv");
  });

  it("sorts, filters and pages through its callbacks", async () => {
    const user = userEvent.setup();
    const props = renderTable({ offset: 20 });
    await user.click(screen.getByRole("button", { name: /Fraud probability/ }));
    expect(props.onSort).toHaveBeenCalledWith("probability");
    await user.click(screen.getByRole("button", { name: /Mistakes/ }));
    expect(props.onFilter).toHaveBeenCalledWith("mistakes");
    await user.click(screen.getByRole("button", { name: /Next/ }));
    expect(props.onPage).toHaveBeenCalledWith(40);
    await user.click(screen.getByRole("button", { name: /Previous/ }));
    expect(props.onPage).toHaveBeenCalledWith(0);
    expect(screen.getByRole("columnheader", { name: /Row/ })).toHaveAttribute("aria-sort", "ascending");
    expect(screen.getByRole("button", { name: /^All/ })).toHaveAttribute("aria-pressed", "true");
  });

  it("reserves one skeleton row per expected row while loading", () => {
    const { container } = render(
      <PredictionsTableView
        rows={undefined}
        count={7}
        filter="flagged"
        sort="row"
        offset={0}
        counts={counts}
        loading
        csvUrl=""
        onFilter={vi.fn()}
        onSort={vi.fn()}
        onPage={vi.fn()}
      />,
    );
    expect(container.querySelectorAll("tr.skeleton-row")).toHaveLength(7);
  });

  it("disables the mistakes filter and drops label columns without labels", () => {
    renderTable({ counts: { all: 10, flagged: 1, mistakes: null }, rows: rows.map((r) => ({ ...r, label: null })) });
    expect(screen.getByRole("button", { name: /Mistakes/ })).toBeDisabled();
    expect(screen.queryByRole("columnheader", { name: "Outcome" })).toBeNull();
    expect(screen.queryByRole("columnheader", { name: "True class" })).toBeNull();
  });

  it("says so when a filter matches nothing", () => {
    renderTable({ rows: [], count: 0, filter: "mistakes" });
    expect(screen.getByText(/No mistakes/)).toBeInTheDocument();
    expect(screen.getByText("No rows")).toBeInTheDocument();
  });
});
