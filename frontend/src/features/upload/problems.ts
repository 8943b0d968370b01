// A rejected file's problems shaped for reading. Pure, so it is tested without a browser. The server
// (backend/fraudops/data/validate.py) names each problem's line and column; the wording of its header
// problems is matched here, in one place, to tell a file that is not a transactions CSV at all.
import type { Problem, Rejected } from "../../api/client";

/** The columns a file must have, in the layout's order (the server's FEATURE_COLUMNS), then the optional ones. */
export const REQUIRED_COLUMNS: readonly string[] = ["Time", ...Array.from({ length: 28 }, (_, i) => `V${i + 1}`), "Amount"];
const COLUMN_ORDER: readonly string[] = [...REQUIRED_COLUMNS, "Class", "id"];

const MISSING = "required column is missing";
const UNKNOWN = "unknown column";

function columnRank(column: string | null): number {
  if (column === null) return -1; // a whole-line problem reads before the cells of its line
  const known = COLUMN_ORDER.indexOf(column);
  return known < 0 ? COLUMN_ORDER.length : known;
}

/** Problems in reading order: by line, then left to right in the layout's column order (stable otherwise). */
export function readingOrder(problems: readonly Problem[]): Problem[] {
  return problems
    .map((problem, i) => ({ problem, i }))
    .sort(
      (a, b) =>
        (a.problem.line ?? Infinity) - (b.problem.line ?? Infinity) ||
        columnRank(a.problem.column) - columnRank(b.problem.column) ||
        a.i - b.i,
    )
    .map(({ problem }) => problem);
}

function withoutStop(message: string): string {
  return message.replace(/[.\s]+$/, "");
}

/**
 * One sentence for a file that is not a transactions CSV at all, or null when its problems are worth a table:
 * - the whole file was refused on its first line (binary, not UTF-8, a ZIP, empty): the server's reason;
 * - its first line names none of the required columns (another CSV, a text file, a semicolon export).
 */
export function notCsvSentence(filename: string, rejected: Rejected): string | null {
  const { problems, total } = rejected;
  const only = problems[0];
  if (total === 1 && only && only.column === null && (only.line ?? 1) <= 1) {
    return `${filename} is not a CSV file that can be scored: ${withoutStop(only.message)}.`;
  }
  if (!problems.length || problems.some((p) => p.line !== 1)) return null;
  const missing = problems.filter((p) => p.message === MISSING).length;
  const listedAllUnknown = problems.length < total && problems.every((p) => p.message.startsWith(UNKNOWN));
  if (missing < REQUIRED_COLUMNS.length && !listedAllUnknown) return null;
  const header = problems.find((p) => p.message.startsWith(UNKNOWN))?.column ?? "";
  const separator = header.includes(";") ? "semicolons" : header.includes("\t") ? "tabs" : null;
  const hint = separator ? `; its columns seem to be separated by ${separator}: save it with commas` : "";
  return `${filename} is not a CSV of card transactions: its first line names none of the columns Time, V1…V28, Amount${hint}.`;
}
