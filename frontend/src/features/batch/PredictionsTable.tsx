import { Fragment, useState } from "react";
import type { PredictionRow } from "../../api/client";
import { fmtInt, fmtProbability } from "../../shared/format";
import { Icon, Skeleton } from "../../shared/ui";
import { bandOf, reasonsOf, type Bands } from "./decisionData";
import { BandBadge, ReasonsList } from "./Reasons";
import "./table-extra.css";
import { nextSort, PAGE_SIZE, sortDirection, tableCsvUrl, timeOfDay, useTableRows, type TableBand, type TableFilter, type TableSort } from "./tableQuery";

type PredictionFilter = TableFilter;
type PredictionSort = TableSort;
const amountFormat = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const DOWNLOAD_NAME: Record<PredictionFilter, string> = {
  all: "scored rows",
  flagged: "flagged rows",
  mistakes: "mistakes",
  false_alarms: "false alarms",
  misses: "misses",
};

export { PAGE_SIZE }; // defined with the table's query (tableQuery.ts), which the page's prefetch shares

export interface FilterCounts {
  all: number;
  flagged: number;
  mistakes: number | null; // null when the batch has no labels
  false_alarms?: number | null;
  misses?: number | null;
}

type Outcome = { label: string; tone: string };

export function outcomeOf(row: PredictionRow): Outcome | null {
  if (row.label === null) return null;
  const fraud = row.label === 1;
  if (row.is_fraud && fraud) return { label: "Caught", tone: "tp" };
  if (row.is_fraud) return { label: "False alarm", tone: "fp" };
  if (fraud) return { label: "Missed", tone: "fn" };
  return { label: "Correct pass", tone: "tn" };
}

const FILTERS: { key: PredictionFilter; label: string }[] = [
  { key: "all", label: "All" },
  { key: "flagged", label: "Flagged" },
  { key: "mistakes", label: "Mistakes" },
  { key: "false_alarms", label: "False alarms" },
  { key: "misses", label: "Misses" },
];

interface ViewProps {
  rows: PredictionRow[] | undefined;
  count: number;
  filter: PredictionFilter;
  sort: PredictionSort;
  offset: number;
  counts: FilterCounts;
  loading: boolean;
  error?: string;
  csvUrl: string;
  bands?: Bands | null;
  band?: TableBand | null;
  onBand?: (band: TableBand | null) => void;
  onFilter: (filter: PredictionFilter) => void;
  onSort: (sort: PredictionSort) => void;
  onPage: (offset: number) => void;
}

/** The table itself, driven by props (tested with fixture rows). */
export function PredictionsTableView({ rows, count, filter, sort, offset, counts, loading, error, csvUrl, bands = null, band = null, onBand, onFilter, onSort, onPage }: ViewProps) {
  const labeled = counts.mistakes !== null;
  const showIds = !!rows?.some((r) => r.id !== null);
  // rows whose reasons are open, by row number (they stay open across pages and filters)
  const [open, setOpen] = useState<ReadonlySet<number>>(() => new Set());
  const toggle = (rowNumber: number) =>
    setOpen((current) => {
      const next = new Set(current);
      if (!next.delete(rowNumber)) next.add(rowNumber);
      return next;
    });
  const expected = Math.min(PAGE_SIZE, Math.max(count - offset, 0));
  const first = count === 0 ? 0 : offset + 1;
  const last = Math.min(offset + PAGE_SIZE, count);
  const columns = 7 + (showIds ? 1 : 0) + (labeled ? 2 : 0);
  const pages = Math.max(Math.ceil(count / PAGE_SIZE), 1);
  const [jump, setJump] = useState("");
  const sortHeader = (key: "row" | "probability" | "amount", label: string, className = "", short?: string) => (
    <th scope="col" aria-sort={sortDirection(sort, key)} className={className}>
      <button type="button" className={`sort-button ${sortDirection(sort, key) !== "none" ? "is-active" : ""}`} onClick={() => onSort(nextSort(sort, key))}>
        {short ? (
          <>
            {/* a phone shows the short label; the full one stays the button's name */}
            <span className="label-full">{label}</span>
            <span className="label-short" aria-hidden="true">
              {short}
            </span>
          </>
        ) : (
          label
        )}
        <Icon name={sortDirection(sort, key) === "ascending" ? "sortUp" : sortDirection(sort, key) === "descending" ? "sortDown" : "sort"} size={14} />
        <span className="sr-only">{sortDirection(sort, key) !== "none" ? `, sorted ${sortDirection(sort, key)}` : ", sort by this column"}</span>
      </button>
    </th>
  );
  return (
    <div className="rows">
      <div className="rows-toolbar">
        <div className="segmented" role="group" aria-label="Show rows">
          {FILTERS.map((f) => {
            // false alarms and misses need labels too; their counts come from the batch when it passes them
            const n = f.key === "false_alarms" || f.key === "misses" ? (counts.mistakes === null ? null : (counts[f.key] ?? undefined)) : counts[f.key];
            const disabled = n === null;
            return (
              <button
                key={f.key}
                type="button"
                aria-pressed={filter === f.key}
                disabled={disabled}
                title={disabled ? "needs a Class column" : undefined}
                onClick={() => onFilter(f.key)}
              >
                {f.label}
                {n === undefined ? null : <span className="count">{n === null ? "—" : fmtInt(n)}</span>}
              </button>
            );
          })}
        </div>
        {onBand ? (
          <label className="band-filter">
            Band{" "}
            <select aria-label="Band" value={band ?? ""} onChange={(e) => onBand(e.target.value === "" ? null : (e.target.value as TableBand))}>
              <option value="">All bands</option>
              <option value="approve">Approve</option>
              <option value="review">Review</option>
              <option value="decline">Decline</option>
            </select>
          </label>
        ) : null}
        <a className="btn btn-secondary" href={csvUrl} download>
          <Icon name="download" />
          Download {DOWNLOAD_NAME[filter]}
          {band ? ` in ${band}` : ""} (CSV)
        </a>
      </div>
      {error ? <p className="error-text" role="alert">Could not load rows: {error}</p> : null}
      <div className="table-scroll" tabIndex={0} role="region" aria-label="Scored rows">
        <table className="data-table predictions" aria-busy={loading}>
          <thead>
            <tr>
              {sortHeader("row", "Row", "col-row")}
              {showIds ? <th scope="col">ID</th> : null}
              {sortHeader("amount", "Amount", "col-amount")}
              <th scope="col" className="col-time" title="Time as a time of day (seconds from the file's start)">
                Time
              </th>
              {sortHeader("probability", "Fraud probability", "", "Score")}
              <th scope="col" className={labeled ? "col-secondary" : ""}>
                Decision
              </th>
              <th scope="col" className="col-band">
                Band
              </th>
              {labeled ? (
                <>
                  <th scope="col" className="col-secondary">
                    True class
                  </th>
                  <th scope="col">Outcome</th>
                </>
              ) : null}
              <th scope="col" className="col-why">
                <span className="sr-only">Reasons</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows === undefined
              ? Array.from({ length: expected }, (_, i) => (
                  <tr key={i} className="skeleton-row">
                    <td colSpan={columns}>
                      <Skeleton height={14} />
                    </td>
                  </tr>
                ))
              : rows.map((r) => {
                  const outcome = outcomeOf(r);
                  const reasons = reasonsOf(r);
                  const expanded = reasons !== null && open.has(r.row_number);
                  const panelId = `reasons-${r.row_number}`;
                  return (
                    <Fragment key={r.row_number}>
                      <tr className={`${r.is_fraud ? "is-flagged" : ""} ${expanded ? "is-expanded" : ""}`}>
                        <td className="mono col-row" title={`CSV line ${r.row_number + 2}`}>
                          {fmtInt(r.row_number)}
                        </td>
                        {showIds ? <td className="mono">{r.id ?? "—"}</td> : null}
                        <td className="mono col-amount">{amountFormat.format(r.amount)}</td>
                        <td className="mono col-time" title={`Time = ${r.time} s`}>
                          {timeOfDay(r.time)}
                        </td>
                        <td>
                          {/* flex inside the cell, not on it: a flex td leaves the table's row lines */}
                          <span className="prob-cell">
                            <span className="prob-bar" aria-hidden="true">
                              <span style={{ width: `${Math.max(r.probability * 100, 1)}%` }} className={r.is_fraud ? "hot" : ""} />
                            </span>
                            <span className="mono">{fmtProbability(r.probability)}</span>
                            {/* on a phone the band column folds in here (one of the two is always display: none) */}
                            <span className="band-inline">
                              <BandBadge band={bandOf(r)} bands={bands} />
                            </span>
                          </span>
                        </td>
                        <td className={labeled ? "col-secondary" : ""}>
                          <span className={`badge ${r.is_fraud ? "badge-fraud" : "badge-neutral"}`}>{r.is_fraud ? "Flagged" : "Passed"}</span>
                        </td>
                        <td className="col-band">
                          <BandBadge band={bandOf(r)} bands={bands} />
                        </td>
                        {labeled ? (
                          <>
                            <td className="col-secondary">{r.label === null ? <span className="muted">unknown</span> : r.label === 1 ? "Fraud" : "Legit"}</td>
                            <td>{outcome ? <span className={`badge badge-${outcome.tone}`}>{outcome.label}</span> : "—"}</td>
                          </>
                        ) : null}
                        <td className="col-why">
                          {reasons ? (
                            <button
                              type="button"
                              className="why-button"
                              aria-expanded={expanded}
                              aria-controls={expanded ? panelId : undefined}
                              onClick={() => toggle(r.row_number)}
                            >
                              Why{" "}
                              <span className="sr-only">row {fmtInt(r.row_number)} was flagged</span>
                              <Icon name={expanded ? "sortUp" : "sortDown"} size={14} />
                            </button>
                          ) : null}
                        </td>
                      </tr>
                      {expanded && reasons ? (
                        <tr className="reasons-row">
                          <td colSpan={columns}>
                            <ReasonsList reasons={reasons} id={panelId} />
                          </td>
                        </tr>
                      ) : null}
                    </Fragment>
                  );
                })}
            {rows !== undefined && rows.length === 0 ? (
              <tr>
                <td colSpan={columns} className="empty-cell">
                  {filter === "mistakes" ? "No mistakes: every row was classified correctly." : "No rows match this filter."}
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      <nav className="pager" aria-label="Pages of rows">
        <span className="muted" aria-live="polite">
          {count === 0 ? "No rows" : `Rows ${fmtInt(first)}–${fmtInt(last)} of ${fmtInt(count)}`}
        </span>
        <div className="pager-buttons">
          <button type="button" className="btn btn-ghost" disabled={offset === 0} onClick={() => onPage(Math.max(offset - PAGE_SIZE, 0))}>
            <Icon name="arrowLeft" /> Previous
          </button>
          <button type="button" className="btn btn-ghost" disabled={offset + PAGE_SIZE >= count} onClick={() => onPage(offset + PAGE_SIZE)}>
            Next <Icon name="arrowRight" />
          </button>
          {pages > 1 ? (
            <form
              className="page-jump"
              onSubmit={(e) => {
                e.preventDefault();
                const page = Number(jump);
                if (Number.isInteger(page) && page >= 1 && page <= pages) onPage((page - 1) * PAGE_SIZE);
              }}
            >
              <label>
                Page{" "}
                <input type="number" min={1} max={pages} step={1} value={jump} placeholder={String(Math.floor(offset / PAGE_SIZE) + 1)} onChange={(e) => setJump(e.target.value)} /> of{" "}
                {fmtInt(pages)}
              </label>
              <button type="submit" className="btn btn-ghost">
                Go
              </button>
            </form>
          ) : null}
        </div>
      </nav>
    </div>
  );
}

export function PredictionsTable({ batchId, counts, bands = null }: { batchId: number; counts: FilterCounts; bands?: Bands | null }) {
  const [filter, setFilter] = useState<PredictionFilter>("all");
  const [sort, setSort] = useState<PredictionSort>("row");
  const [band, setBand] = useState<TableBand | null>(null);
  const [offset, setOffset] = useState(0);
  const query = useTableRows(batchId, filter, sort, band, offset, PAGE_SIZE);
  const known = band === null ? (counts[filter] ?? 0) : 0;
  return (
    <PredictionsTableView
      rows={query.data?.data}
      count={query.data?.count ?? known}
      filter={filter}
      sort={sort}
      offset={offset}
      counts={counts}
      loading={query.isFetching}
      error={query.error?.message}
      csvUrl={tableCsvUrl(batchId, filter, band)}
      bands={bands}
      band={band}
      onBand={(b) => {
        setBand(b);
        setOffset(0);
      }}
      onFilter={(f) => {
        setFilter(f);
        setOffset(0);
      }}
      onSort={(s) => {
        setSort(s);
        setOffset(0);
      }}
      onPage={setOffset}
    />
  );
}
