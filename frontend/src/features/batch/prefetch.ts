// A batch page's requests, started at navigation (App.tsx) while the page's code is still loading; the page's hooks
// then find the answers in the cache. Measured on a cold load of a 46k-row batch: without it, the requests wait
// for the page's chunks, and the table's for the batch's own answer as well.
import type { QueryClient } from "@tanstack/react-query";
import { batchQuery, curvesQuery, driftQuery } from "../../api/queries";
import { PAGE_SIZE, tableRowsQuery } from "./tableQuery";

export function prefetchBatchPage(queryClient: QueryClient, id: number): void {
  void queryClient.prefetchQuery(batchQuery(id));
  void queryClient.prefetchQuery(curvesQuery(id));
  void queryClient.prefetchQuery(driftQuery(id));
  // the table as it opens (PredictionsTable's first state): every row, in file order, any band, the first page
  void queryClient.prefetchQuery(tableRowsQuery(id, "all", "row", null, 0, PAGE_SIZE));
}
