const integer = new Intl.NumberFormat("en-US");
const dateTime = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short" });

export const DASH = "—";

export function fmtInt(n: number | null | undefined): string {
  return n === null || n === undefined ? DASH : integer.format(n);
}

/** How many more digits a figure may grow by so as not to read as an end of its scale it has not reached. */
const EXTRA_DIGITS = 2;

/**
 * `x` with `digits` decimals, or up to EXTRA_DIGITS more when rounding would print an end of the scale (`low` or
 * `high`) that `x` has not reached: 0.99976 of 1 is "0.9998", never "1.000". Closer still, it says which side
 * of the end it is on: ">0.99999", "<0.00001".
 */
function fixedShort(x: number, digits: number, low: number, high: number): string {
  if (x === low || x === high || x < low || x > high) return x.toFixed(digits);
  const most = digits + EXTRA_DIGITS;
  for (let d = digits; d <= most; d += 1) {
    const text = x.toFixed(d);
    const shown = Number(text);
    if (shown !== low && shown !== high) return text;
  }
  const step = 10 ** -most;
  return Number(x.toFixed(most)) === low ? `<${(low + step).toFixed(most)}` : `>${(high - step).toFixed(most)}`;
}

/** 0.812345 → "0.812" (metrics between 0 and 1); never "1.000" or "0.000" for a value short of it. */
export function fmtScore(x: number | null | undefined, digits = 3): string {
  return x === null || x === undefined || Number.isNaN(x) ? DASH : fixedShort(x, digits, 0, 1);
}

/** A decision threshold or band bound (a fraud probability): the same four decimals on every page. */
export function fmtThreshold(x: number | null | undefined): string {
  return fmtScore(x, 4);
}

/**
 * A share as a percentage with enough digits for small rates: 0.00172 → "0.172%", 0.4 → "40.0%". It never
 * rounds to "100%" or "0%" unless the share is exactly that: 0.99976 → "99.98%".
 */
export function fmtPercent(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return DASH;
  const pct = x * 100;
  if (pct === 0 || pct === 100) return `${pct}%`;
  const digits = pct < 1 ? 3 : pct < 10 ? 2 : 1;
  return `${fixedShort(pct, digits, 0, 100)}%`;
}

/** The noun for a count, singular for one: (1, "false alarm") → "false alarm", (3, …) → "false alarms". */
export function noun(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}

/** A count with its noun: (1, "false alarm") → "1 false alarm", (2400, …) → "2,400 false alarms". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${fmtInt(n)} ${noun(n, one, many)}`;
}

/** A fraud probability, readable at both ends of the scale. */
export function fmtProbability(p: number): string {
  if (p < 0.0001) return "<0.0001";
  if (p > 0.9999) return ">0.9999";
  return p.toFixed(4);
}

export function fmtBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function fmtDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

/** How many times better than random ranking an AUPRC is (random = the prevalence). */
export function fmtLift(auprc: number, prevalence: number): string {
  if (prevalence <= 0) return DASH;
  const lift = auprc / prevalence;
  return `${lift >= 10 ? Math.round(lift) : lift.toFixed(1)}× random`;
}

export function fmtSeconds(s: number): string {
  return s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(1)} s`;
}

/** Model versions are long (`mlp-64x32-d0.2-lr0.001-20261123T122700-1a2b3c4d`): the family, the build
 * time and the hash are what tell them apart. */
function versionParts(version: string): { kind: string; stamp: Date; hash: string } | null {
  const match = /^(.*?)-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})?-([0-9a-f]{6})[0-9a-f]*$/.exec(version);
  if (!match) return null;
  const [, kind = "", year, month, day, hour, minute, second, hash = ""] = match;
  const stamp = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second ?? 0)));
  return { kind, stamp, hash };
}

export function shortVersion(version: string): string {
  const parts = versionParts(version);
  return parts ? `${parts.kind.split("-")[0]} · ${parts.hash}` : version;
}

/** When the model was built, from its version stamp (UTC), as an ISO string; null if the version has none. */
export function versionBuiltAt(version: string): string | null {
  return versionParts(version)?.stamp.toISOString() ?? null;
}
