import { describe, expect, it } from "vitest";
import type { Problem } from "../../api/client";
import { notCsvSentence, readingOrder, REQUIRED_COLUMNS } from "./problems";

const missing = (column: string): Problem => ({ line: 1, column, message: "required column is missing" });

describe("readingOrder", () => {
  it("lists problems by line, then left to right, a whole-line problem first", () => {
    const problems: Problem[] = [
      { line: 1, column: "Class", message: "required column is missing" },
      { line: 5, column: "V3", message: "not a number: 'abc'" },
      { line: 5, column: "Time", message: "must be ≥ 0" },
      { line: 1, column: "Time", message: "column appears twice" },
      { line: null, column: null, message: "item" },
      { line: 5, column: null, message: "empty line" },
      { line: 3, column: "Amount", message: "must be ≥ 0" },
      { line: 3, column: "zzz", message: "odd" },
    ];
    expect(readingOrder(problems).map((p) => `${p.line}:${p.column}`)).toEqual([
      "1:Time",
      "1:Class",
      "3:Amount",
      "3:zzz",
      "5:null",
      "5:Time",
      "5:V3",
      "null:null",
    ]);
  });
});

describe("notCsvSentence", () => {
  it("gives a file refused on its first line one sentence, with the server's reason", () => {
    const rejected = { detail: "", total: 1, problems: [{ line: 1, column: null, message: "the file is not UTF-8 text (is it a CSV file?)" }] };
    expect(notCsvSentence("photo.png", rejected)).toBe("photo.png is not a CSV file that can be scored: the file is not UTF-8 text (is it a CSV file?).");
  });

  it("gives a header naming none of the columns one sentence, with a hint for semicolons", () => {
    const unknown: Problem = { line: 1, column: "Time;V1;V2", message: "unknown column; expected Time, V1, … and optionally id" };
    const rejected = { detail: "", total: 31, problems: [unknown, ...REQUIRED_COLUMNS.map(missing)] };
    expect(notCsvSentence("excel.csv", rejected)).toBe(
      "excel.csv is not a CSV of card transactions: its first line names none of the columns Time, V1…V28, Amount; its columns seem to be separated by semicolons: save it with commas.",
    );
    const many = Array.from({ length: 50 }, (_, i): Problem => ({ line: 1, column: `c${i}`, message: "unknown column; expected …" }));
    expect(notCsvSentence("wide.csv", { detail: "", total: 80, problems: many })).toMatch(/^wide\.csv is not a CSV of card transactions/);
  });

  it("keeps the table for a transactions file with problems", () => {
    const oneMissing = { detail: "", total: 1, problems: [missing("Amount")] };
    expect(notCsvSentence("a.csv", oneMissing)).toBeNull();
    const cells = { detail: "", total: 2, problems: [{ line: 3, column: "V3", message: "not a number" }, missing("Class")] };
    expect(notCsvSentence("b.csv", cells)).toBeNull();
    const noRows = { detail: "", total: 1, problems: [{ line: 2, column: null, message: "the file has a header but no rows" }] };
    expect(notCsvSentence("c.csv", noRows)).toBeNull();
  });
});
