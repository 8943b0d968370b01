// A pasted transaction (a CSV line, a header and a line, or a JSON object) read into the API's fields.
// Pure, so every shape a user may paste is tested without a browser.

export const FEATURES = ["Time", ...Array.from({ length: 28 }, (_, i) => `V${i + 1}`), "Amount"] as const;
export type Feature = (typeof FEATURES)[number];
export type Transaction = Record<Feature, number> & { id?: string };

export type Parsed = { ok: true; transaction: Transaction; note?: string } | { ok: false; error: string };

const fail = (error: string): Parsed => ({ ok: false, error });

function fromRecord(record: Record<string, unknown>): Parsed {
  const out: Record<string, number> = {};
  const missing: string[] = [];
  for (const name of FEATURES) {
    const value = record[name];
    const number = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
    if (value === undefined || value === null || value === "") missing.push(name);
    else if (!Number.isFinite(number)) return fail(`${name} is not a number: ${JSON.stringify(value)}`);
    else out[name] = number;
  }
  if (missing.length) return fail(`missing ${missing.length === 1 ? "field" : "fields"}: ${missing.slice(0, 6).join(", ")}${missing.length > 6 ? ", …" : ""}`);
  const known = new Set<string>([...FEATURES, "Class", "id"]);
  const unknown = Object.keys(record).filter((k) => !known.has(k));
  if (unknown.length) return fail(`unknown ${unknown.length === 1 ? "field" : "fields"}: ${unknown.slice(0, 4).join(", ")}`);
  const transaction = out as Transaction;
  const id = record.id;
  if (typeof id === "string" || typeof id === "number") transaction.id = String(id);
  return { ok: true, transaction, note: "Class" in record ? "The Class value was left out: the model never sees it." : undefined };
}

function splitCsv(line: string): string[] {
  return line.split(",").map((f) => f.trim().replace(/^"(.*)"$/, "$1"));
}

/** Reads a pasted transaction. A CSV line holds the 30 values in file order (Time, V1..V28, Amount), with the
 * Class after them or not; a header line before it names the columns instead. */
export function parseTransaction(text: string): Parsed {
  const trimmed = text.trim();
  if (!trimmed) return fail("paste a CSV line or a JSON object, or type the fields below");
  if (trimmed.startsWith("{")) {
    let data: unknown;
    try {
      data = JSON.parse(trimmed);
    } catch (error) {
      return fail(`not valid JSON: ${(error as Error).message}`);
    }
    if (!data || typeof data !== "object" || Array.isArray(data)) return fail("the JSON must be one object");
    return fromRecord(data as Record<string, unknown>);
  }
  const lines = trimmed.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length > 2) return fail("one transaction at a time: paste a single line (a header line before it is fine)");
  if (lines.length === 2) {
    const header = splitCsv(lines[0] ?? "");
    const values = splitCsv(lines[1] ?? "");
    if (header.length !== values.length) return fail(`the header has ${header.length} columns and the line ${values.length}`);
    return fromRecord(Object.fromEntries(header.map((h, i) => [h, values[i]])));
  }
  const values = splitCsv(lines[0] ?? "");
  if (values.length !== 30 && values.length !== 31) {
    return fail(`a line holds 30 values (Time, V1…V28, Amount), or 31 with the Class; this one has ${values.length}`);
  }
  const record: Record<string, unknown> = Object.fromEntries(FEATURES.map((name, i) => [name, values[i]]));
  if (values.length === 31) record.Class = values[30];
  return fromRecord(record);
}
