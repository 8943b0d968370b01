// The review queue's server calls: the queue, one item's reasons, labels, capacity, and the band policy.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, detailOf, must } from "../../api/client";
import type { components, paths } from "../../client/schema";
import { numberField } from "../../shared/fields";

type Schemas = components["schemas"];
export type ReviewItem = Schemas["ReviewItemOut"];
export type ReviewQueue = Schemas["ReviewQueueOut"];
export type ItemReasons = Schemas["ItemReasonsOut"];
export type Capacity = Schemas["CapacityOut"];
export type Workload = Schemas["WorkloadOut"];
export type LabelResult = Schemas["LabelOut"];
export type QueueQuery = NonNullable<paths["/api/review"]["get"]["parameters"]["query"]>;

export const QUEUE_PAGE = 50;

export const reviewKeys = {
  queue: (query: QueueQuery) => ["review", "queue", query] as const,
  reasons: (key: string) => ["review", "reasons", key] as const,
  capacity: (capacity: number) => ["review", "capacity", capacity] as const,
  bands: ["bands"] as const,
  suggestion: (capacity: number) => ["bands", "suggestion", capacity] as const,
};

export function useQueue(query: QueueQuery) {
  return useQuery({
    queryKey: reviewKeys.queue(query),
    queryFn: () => must(api.GET("/api/review", { params: { query } })),
    placeholderData: keepPreviousData,
  });
}

/** Reasons computed now by the served model, for any item (the stored ones come with the item). */
export function useItemReasons(item: ReviewItem | null) {
  return useQuery({
    queryKey: reviewKeys.reasons(item?.key ?? ""),
    enabled: item !== null,
    queryFn: () => {
      if (item?.source === "live" && item.request_id) {
        return must(api.GET("/api/review/live/{request_id}/reasons", { params: { path: { request_id: item.request_id } } }));
      }
      const batchId = item?.batch_id ?? 0;
      const rowNumber = item?.row_number ?? 0;
      return must(api.GET("/api/review/batch/{batch_id}/{row_number}/reasons", { params: { path: { batch_id: batchId, row_number: rowNumber } } }));
    },
    staleTime: 60_000,
  });
}

export function useCapacity(capacity: number) {
  return useQuery({
    queryKey: reviewKeys.capacity(capacity),
    queryFn: () => must(api.GET("/api/review/capacity", { params: { query: { capacity } } })),
  });
}

export interface LabelRequest {
  item: ReviewItem;
  label: 0 | 1;
  note: string;
}

export function useLabel() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ item, label, note }: LabelRequest) => {
      const key =
        item.source === "live" && item.request_id
          ? { request_id: item.request_id }
          : { batch_id: item.batch_id ?? 0, row_number: item.row_number ?? 0 };
      return must(api.POST("/api/review/label", { body: { ...key, label, note: note.trim() ? note : null } }));
    },
    onSuccess: () => client.invalidateQueries({ queryKey: ["review"] }),
  });
}

// --- band policy (GET/PUT /api/bands, GET /api/bands/suggestion): read loosely, so the page works
// whichever extra fields the policy answer carries --------------------------------------------------

export interface BandPair {
  review_at: number;
  decline_at: number;
}

export function bandPairOf(body: unknown): BandPair | null {
  if (!body || typeof body !== "object") return null;
  const record = body as Record<string, unknown>;
  const nested = record.bands && typeof record.bands === "object" ? (record.bands as Record<string, unknown>) : record;
  const review = numberField(nested, "review_at");
  const decline = numberField(nested, "decline_at");
  return review !== undefined && decline !== undefined ? { review_at: review, decline_at: decline } : null;
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, detailOf(body, `the server answered ${response.status}`));
  return body;
}

export function useBands() {
  return useQuery({ queryKey: reviewKeys.bands, queryFn: async () => bandPairOf(await getJson("/api/bands")), retry: false });
}

export function useBandSuggestion(capacity: number) {
  return useQuery({
    queryKey: reviewKeys.suggestion(capacity),
    queryFn: async () => {
      const body = await getJson(`/api/bands/suggestion?capacity=${encodeURIComponent(capacity)}`);
      return { bands: bandPairOf(body), body: body as Record<string, unknown> | null };
    },
    retry: false,
  });
}

export function usePutBands(token: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (change: BandPair & { note: string }) => {
      const response = await fetch("/api/bands", {
        method: "PUT",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
        body: JSON.stringify({ review_at: change.review_at, decline_at: change.decline_at, note: change.note || null }),
      });
      const body: unknown = await response.json().catch(() => null);
      if (!response.ok) throw new ApiError(response.status, detailOf(body, `the server answered ${response.status}`));
      return bandPairOf(body);
    },
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["bands"] });
      void client.invalidateQueries({ queryKey: ["review", "capacity"] });
    },
  });
}
