const integer = new Intl.NumberFormat("en-US");
const dateTime = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short" });

export const DASH = "—";

export function fmtInt(n: number | null | undefined): string {
  return n === null || n === undefined ? DASH : integer.format(n);
}

/** 0.812345 → "0.812" (metrics between 0 and 1). */
export function fmtScore(x: number | null | undefined, digits = 3): string {
  return x === null || x === undefined || Number.isNaN(x) ? DASH : x.toFixed(digits);
}

/** A share as a percentage with enough digits for small rates: 0.00172 → "0.172%", 0.4 → "40.0%". */
export function fmtPercent(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return DASH;
  const pct = x * 100;
  if (pct === 0) return "0%";
  const digits = pct < 1 ? 3 : pct < 10 ? 2 : 1;
  return `${pct.toFixed(digits)}%`;
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
