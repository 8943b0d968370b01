import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { explainedRows, OCCLUSION } from "../../test/fixtures";
import { reasonsOf } from "./decisionData";
import { PredictionsTableView } from "./PredictionsTable";
import { BandBadge, BandsStrip, ReasonsList } from "./Reasons";

const bands = { review_at: 0.43656, decline_at: 0.87312 };

describe("bands", () => {
  it("name the band in text, with its range as a title", () => {
    render(<BandBadge band="review" bands={bands} />);
    expect(screen.getByText("Review")).toHaveAttribute("title", "Review band: score from 0.4366 to below 0.8731");
  });

  it("show the batch's bands, or say they were not recorded", () => {
    const { rerender } = render(<BandsStrip bands={bands} loading={false} />);
    const list = screen.getByRole("list", { name: "Decision bands by fraud probability" });
    expect(within(list).getAllByRole("listitem").map((li) => li.textContent)).toEqual(["Approve < 0.4366", "Review ≥ 0.4366", "Decline ≥ 0.8731"]);
    rerender(<BandsStrip bands={null} loading={false} />);
    expect(screen.getByTestId("bands")).toHaveTextContent("not recorded for this batch");
  });
});

describe("reasons", () => {
  it("list the features with signed contributions, bars diverging from zero", () => {
    render(<ReasonsList reasons={reasonsOf(explainedRows[0]!)!} />);
    const items = screen.getAllByRole("listitem");
    expect(items.map((li) => li.textContent)).toEqual([
      "V14= \u22129.12+0.410 toward fraud",
      "V4= 5.50+0.220 toward fraud",
      "Amount= 1.00\u22120.050 toward legitimate",
    ]);
    const fills = items.map((li) => li.querySelector<HTMLElement>(".reason-fill")!);
    expect(fills[0]!.style.width).toBe("50%"); // the largest fills half the track
    expect(fills[0]!.style.left).toBe("50%");
    expect(fills[2]!.style.right).toBe("50%"); // negative: to the left of zero
    expect(screen.getByText(OCCLUSION)).toBeInTheDocument();
    expect(screen.getByTestId("reasons-caption")).toHaveTextContent("occlusion delta");
    expect(screen.getByTestId("reasons-caption")).toHaveTextContent("need not add up to the score");
  });

  it("open from the results table by mouse or keyboard", async () => {
    const user = userEvent.setup();
    render(
      <PredictionsTableView
        rows={explainedRows}
        count={3}
        filter="all"
        sort="row"
        offset={0}
        counts={{ all: 3, flagged: 1, mistakes: 0 }}
        loading={false}
        csvUrl=""
        bands={bands}
        onFilter={vi.fn()}
        onSort={vi.fn()}
        onPage={vi.fn()}
      />,
    );
    expect(screen.getByRole("columnheader", { name: "Band" })).toBeInTheDocument();
    const body = screen.getAllByRole("row").slice(1);
    // the band's own column, and its phone-width copy by the probability (CSS shows one of them)
    const bandCells = body.map((tr) => tr.querySelector("td.col-band"));
    expect(bandCells.map((td) => td?.textContent)).toEqual(["Decline", "Review", "Approve"]);
    expect(within(body[0]!).getAllByText("Decline")).toHaveLength(2);

    // only the flagged row, which carries reasons, has a "why"
    const why = screen.getByRole("button", { name: "Why row 12 was flagged" });
    expect(screen.getAllByRole("button", { name: /^Why/ })).toHaveLength(1);
    expect(why).toHaveAttribute("aria-expanded", "false");
    expect(screen.queryByTestId("reasons")).toBeNull();

    await user.click(why);
    expect(why).toHaveAttribute("aria-expanded", "true");
    const panel = screen.getByTestId("reasons");
    expect(why).toHaveAttribute("aria-controls", panel.id);
    expect(panel).toHaveTextContent("V14");
    expect(panel).toHaveTextContent("+0.410");

    why.focus();
    await user.keyboard("{Enter}");
    expect(why).toHaveAttribute("aria-expanded", "false");
    expect(screen.queryByTestId("reasons")).toBeNull();
    await user.keyboard(" ");
    expect(screen.getByTestId("reasons")).toBeInTheDocument();
  });
});
