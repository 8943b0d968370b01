import { describe, expect, it } from "vitest";
import { nextSort, sortDirection, tableCsvUrl, timeOfDay } from "./tableQuery";

describe("the batch table's query", () => {
  it("sorts a column largest first, then flips; row order is one way", () => {
    expect(nextSort("row", "amount")).toBe("amount");
    expect(nextSort("amount", "amount")).toBe("amount_asc");
    expect(nextSort("amount_asc", "amount")).toBe("amount");
    expect(nextSort("amount", "probability")).toBe("probability");
    expect(nextSort("probability", "probability")).toBe("probability_asc");
    expect(nextSort("probability", "row")).toBe("row");
    expect(sortDirection("probability_asc", "probability")).toBe("ascending");
    expect(sortDirection("probability", "amount")).toBe("none");
    expect(sortDirection("row", "row")).toBe("ascending");
  });
  it("shows Time as a time of day", () => {
    expect(timeOfDay(0)).toBe("00:00");
    expect(timeOfDay(406)).toBe("00:06");
    expect(timeOfDay(86_400 + 13 * 3600 + 7 * 60 + 59)).toBe("13:07");
    expect(timeOfDay(172_792)).toBe("23:59");
  });
  it("downloads what the table shows", () => {
    expect(tableCsvUrl(7, "all", null)).toBe("/api/batches/7/predictions.csv");
    expect(tableCsvUrl(7, "misses", "approve")).toBe("/api/batches/7/predictions.csv?filter=misses&band=approve");
  });
});
