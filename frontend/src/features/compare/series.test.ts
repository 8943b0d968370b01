import { describe, expect, it } from "vitest";
import { intervalVerdict, seriesColor, SERIES_COLORS } from "./series";

describe("intervalVerdict", () => {
  it("says higher only when the whole interval is above zero", () => {
    expect(intervalVerdict(0.01, 0.2)).toBe("higher");
    expect(intervalVerdict(-0.2, -0.01)).toBe("lower");
    expect(intervalVerdict(-0.01, 0.2)).toBe("unclear");
  });
  it("cycles colours", () => {
    expect(seriesColor(SERIES_COLORS.length)).toBe(seriesColor(0));
  });
});
