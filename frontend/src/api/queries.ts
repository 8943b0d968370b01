// Server state: every read goes through react-query, keyed here.
import { keepPreviousData, queryOptions, useQueries, useQuery } from "@tanstack/react-query";
import { api, ApiError, must, type BatchDrift, type PredictionFilter, type PredictionSort } from "./client";

export const keys = {
  batches: ["batches"] as const,
  batch: (id: number) => ["batch", id] as const,
  curves: (id: number) => ["curves", id] as const,
  predictions: (id: number, filter: PredictionFilter, sort: PredictionSort, offset: number, limit: number) =>
    ["predictions", id, filter, sort, offset, limit] as const,
  models: ["models"] as const,
  demo: ["demo"] as const,
  health: ["health"] as const,
  drift: (id: number) => ["drift", id] as const,
  streams: ["streams"] as const,
  logDrift: (since: string | null, until: string | null) => ["log-drift", since, until] as const,
};

export const BATCH_LIST_LIMIT = 500;

export function useBatches() {
  return useQuery({
    queryKey: keys.batches,
    queryFn: () => must(api.GET("/api/batches", { params: { query: { limit: BATCH_LIST_LIMIT } } })),
  });
}

// A batch page's reads as options, so the page's data can be asked for while its code is still arriving
// (features/batch/prefetch.ts) and the hooks below find it in the cache.
export const batchQuery = (id: number) =>
  queryOptions({
    queryKey: keys.batch(id),
    queryFn: () => must(api.GET("/api/batches/{batch_id}", { params: { path: { batch_id: id } } })),
    retry: (count, error) => !(error instanceof ApiError && error.status === 404) && count < 2,
  });

export const curvesQuery = (id: number) =>
  queryOptions({
    queryKey: keys.curves(id),
    queryFn: () => must(api.GET("/api/batches/{batch_id}/curves", { params: { path: { batch_id: id } } })),
    staleTime: Infinity, // a stored batch never changes
  });

export const driftQuery = (id: number) =>
  queryOptions({
    queryKey: keys.drift(id),
    queryFn: () => fetchBatchDrift(id),
    staleTime: Infinity, // recorded once, at upload
  });

export function useBatch(id: number) {
  return useQuery(batchQuery(id));
}

export function useCurves(id: number) {
  return useQuery(curvesQuery(id));
}

export function usePredictions(id: number, filter: PredictionFilter, sort: PredictionSort, offset: number, limit: number) {
  return useQuery({
    queryKey: keys.predictions(id, filter, sort, offset, limit),
    queryFn: () =>
      must(
        api.GET("/api/batches/{batch_id}/predictions", {
          params: { path: { batch_id: id }, query: { filter, sort, offset, limit } },
        }),
      ),
    placeholderData: keepPreviousData,
    staleTime: Infinity,
  });
}

export function useModels() {
  return useQuery({ queryKey: keys.models, queryFn: () => must(api.GET("/api/models")) });
}

export function useDemoFiles() {
  return useQuery({ queryKey: keys.demo, queryFn: () => must(api.GET("/api/demo")), staleTime: 60_000 });
}

export function useHealth() {
  return useQuery({
    queryKey: keys.health,
    // 503 still carries a body that says what is missing
    queryFn: async () => {
      const { data, error } = await api.GET("/api/health");
      const body = data ?? error;
      if (!body || !("status" in body)) throw new ApiError(0, "no health answer");
      return body;
    },
    refetchInterval: 30_000,
  });
}

function fetchBatchDrift(id: number) {
  return must(api.GET("/api/batches/{batch_id}/drift", { params: { path: { batch_id: id } } }));
}

export function useBatchDrift(id: number) {
  return useQuery(driftQuery(id));
}

/** The drift reports of several batches (the dashboard's drift over time), all or nothing. */
export function useBatchDrifts(ids: number[]): { data: BatchDrift[] | undefined; error: Error | null } {
  return useQueries({
    queries: ids.map((id) => ({ queryKey: keys.drift(id), queryFn: () => fetchBatchDrift(id), staleTime: Infinity })),
    combine: (results) => ({
      data: results.every((r) => r.data !== undefined) ? results.map((r) => r.data as BatchDrift) : undefined,
      error: results.find((r) => r.error)?.error ?? null,
    }),
  });
}

export const STREAM_LIST_LIMIT = 100;

export function useStreams() {
  return useQuery({
    queryKey: keys.streams,
    queryFn: () => must(api.GET("/api/streams", { params: { query: { limit: STREAM_LIST_LIMIT } } })),
  });
}

/** Drift of the real-time prediction log in [since, until) (null: unbounded). */
export function useLogDrift(since: string | null, until: string | null, enabled = true) {
  return useQuery({
    queryKey: keys.logDrift(since, until),
    queryFn: () =>
      must(api.GET("/api/drift/log", { params: { query: { ...(since ? { since } : {}), ...(until ? { until } : {}) } } })),
    enabled,
    staleTime: until === null ? 30_000 : Infinity, // a closed window never changes
  });
}
