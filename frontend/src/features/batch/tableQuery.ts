// The batch table's server query: filters (incl. false alarms and misses apart), a band, and sorts both
// ways by probability or amount. Typed from the generated schema, so a renamed value breaks the build.
import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api, must } from "../../api/client";
import type { paths } from "../../client/schema";

type Query = NonNullable<paths["/api/batches/{batch_id}/predictions"]["get"]["parameters"]["query"]>;
export type TableFilter = NonNullable<Query["filter"]>;
export type TableSort = NonNullable<Query["sort"]>;
export type TableBand = NonNullable<Query["band"]>;

/** Rows per page of the table. */
export const PAGE_SIZE = 20;

/** The sort a column header's click asks for: a new column starts at its natural direction (file order
 * ascending, scores and amounts largest first); the active one flips. */
export function nextSort(current: TableSort, column: "row" | "probability" | "amount"): TableSort {
  if (column === "row") return "row";
  const desc: TableSort = column;
  const asc: TableSort = column === "probability" ? "probability_asc" : "amount_asc";
  return current === desc ? asc : desc;
}

export function sortDirection(sort: TableSort, column: "row" | "probability" | "amount"): "ascending" | "descending" | "none" {
  if (column === "row") return sort === "row" ? "ascending" : "none";
  if (sort === column) return "descending";
  if (sort === `${column}_asc`) return "ascending";
  return "none";
}

/** Seconds from the file's first transaction as a time of day, HH:MM (the data set starts at midnight). */
export function timeOfDay(seconds: number): string {
  const minutes = Math.floor((((seconds % 86_400) + 86_400) % 86_400) / 60);
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/** The rows the table shows, as query options: the app asks for a batch's first page while the page's code is
 * still loading (App.tsx), and useTableRows finds them in the cache. */
export function tableRowsQuery(id: number, filter: TableFilter, sort: TableSort, band: TableBand | null, offset: number, limit: number) {
  return queryOptions({
    queryKey: ["predictions", id, filter, sort, band, offset, limit],
    queryFn: () =>
      must(
        api.GET("/api/batches/{batch_id}/predictions", {
          params: { path: { batch_id: id }, query: { filter, sort, offset, limit, ...(band ? { band } : {}) } },
        }),
      ),
    staleTime: 30_000, // labels given in the review queue change a stored row's class
  });
}

export function useTableRows(id: number, filter: TableFilter, sort: TableSort, band: TableBand | null, offset: number, limit: number) {
  return useQuery({ ...tableRowsQuery(id, filter, sort, band, offset, limit), placeholderData: keepPreviousData });
}

/** The CSV download of what the table shows (filter and band). */
export function tableCsvUrl(batchId: number, filter: TableFilter, band: TableBand | null): string {
  const query = new URLSearchParams();
  if (filter !== "all") query.set("filter", filter);
  if (band) query.set("band", band);
  const text = query.toString();
  return `/api/batches/${batchId}/predictions.csv${text ? `?${text}` : ""}`;
}
