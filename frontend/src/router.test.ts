import { describe, expect, it } from "vitest";
import { href, parseHash } from "./router";

describe("hash routes", () => {
  it("parses every page", () => {
    expect(parseHash("")).toEqual({ page: "upload" });
    expect(parseHash("#/")).toEqual({ page: "upload" });
    expect(parseHash("#/dashboard")).toEqual({ page: "dashboard" });
    expect(parseHash("#/batches/12")).toEqual({ page: "batch", id: 12, duplicate: false });
    expect(parseHash("#/batches/12?duplicate")).toEqual({ page: "batch", id: 12, duplicate: true });
    expect(parseHash("#/batches/abc")).toEqual({ page: "missing", path: "/batches/abc" });
  });

  it("round-trips through href", () => {
    for (const hash of ["#/", "#/dashboard", "#/batches/3", "#/batches/3?duplicate"]) {
      expect(href(parseHash(hash))).toBe(hash);
    }
  });
});
