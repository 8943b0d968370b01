import { describe, expect, it } from "vitest";
import { FEATURES, parseTransaction } from "./parseTransaction";

const values = FEATURES.map((_, i) => (i === 0 ? 406 : i === 29 ? 149.62 : i / 10 - 1));
const line = values.join(",");

describe("parseTransaction", () => {
  it("reads a CSV line of 30 values, and of 31 with the class left out", () => {
    const parsed = parseTransaction(line);
    expect(parsed.ok && parsed.transaction.Time).toBe(406);
    expect(parsed.ok && parsed.transaction.Amount).toBe(149.62);
    expect(parsed.ok && parsed.transaction.V14).toBeCloseTo(0.4);
    const withClass = parseTransaction(`${line},1`);
    expect(withClass.ok && withClass.note).toMatch(/Class value was left out/);
    expect(withClass.ok && "Class" in withClass.transaction).toBe(false);
  });
  it("reads a header line and a line in any column order, with an id", () => {
    const header = ["id", ...FEATURES].reverse();
    const row = ["tx-9", ...values.map(String)].reverse();
    const parsed = parseTransaction(`${header.join(",")}\n${row.join(",")}`);
    expect(parsed.ok && parsed.transaction.id).toBe("tx-9");
    expect(parsed.ok && parsed.transaction.V1).toBeCloseTo(-0.9);
  });
  it("reads a JSON object, numbers as strings too", () => {
    const record = Object.fromEntries(FEATURES.map((f, i) => [f, i === 3 ? "2.5" : values[i]]));
    const parsed = parseTransaction(JSON.stringify(record));
    expect(parsed.ok && parsed.transaction.V3).toBe(2.5);
  });
  it("names what is wrong", () => {
    const fails = (text: string) => {
      const parsed = parseTransaction(text);
      return parsed.ok ? "" : parsed.error;
    };
    expect(fails("")).toMatch(/paste/);
    expect(fails("1,2,3")).toMatch(/30 values .* has 3/);
    expect(fails(line.replace("406", "abc"))).toMatch(/Time is not a number/);
    expect(fails(line.replace("406", "Infinity"))).toMatch(/Time is not a number/);
    expect(fails("{nope")).toMatch(/not valid JSON/);
    expect(fails("[1,2]")).toMatch(/30 values/);
    expect(fails('{"Time": 1}')).toMatch(/missing fields: V1/);
    expect(fails(JSON.stringify({ ...Object.fromEntries(FEATURES.map((f) => [f, 1])), Evil: 1 }))).toMatch(/unknown field: Evil/);
    expect(fails(`${line}\n${line}\n${line}`)).toMatch(/one transaction at a time/);
  });
});
