// The comparison's server calls: scorings of a stored batch by other versions, the comparison itself, the learning loop.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, detailOf, must } from "../../api/client";
import type { components } from "../../client/schema";

type Schemas = components["schemas"];
export type Scoring = Schemas["BatchScoringOut"];
export type Comparison = Schemas["VersionsComparisonOut"];
export type VersionComparison = Schemas["VersionComparison"];
export type PairComparison = Schemas["PairComparison"];
export type LearningLoop = Schemas["LearningLoopOut"];
export type LoopPoint = Schemas["LoopPoint"];

// The same tab-only key the review page's admin form uses: one token typed once serves both.
export const TOKEN_KEY = "fraudops.adminToken";

export function readToken(): string {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY) ?? "";
  } catch {
    return "";
  }
}

export function saveToken(token: string): void {
  try {
    window.sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // storage refused (private mode): the token lives in the form only
  }
}

export interface CompareQuery {
  batchIds: number[];
  versions: string[];
  role: "evaluation" | null;
}

export const compareKeys = {
  scorings: (batchId: number) => ["scorings", batchId] as const,
  comparison: (q: CompareQuery) => ["compare", q.role, q.batchIds.join(","), q.versions.join(",")] as const,
  loop: ["learning-loop"] as const,
};

export function useScorings(batchId: number) {
  return useQuery({
    queryKey: compareKeys.scorings(batchId),
    queryFn: () => must(api.GET("/api/batches/{batch_id}/scorings", { params: { path: { batch_id: batchId } } })),
    // Poll while a scoring is under way, so its progress moves.
    refetchInterval: (query) => (query.state.data?.data.some((s) => s.status === "queued" || s.status === "running") ? 1000 : false),
  });
}

export function useScoreWith(batchId: number, token: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (version: string) => {
      const { data, error, response } = await api.POST("/api/batches/{batch_id}/scorings", {
        params: { path: { batch_id: batchId } },
        body: { model_version: version },
        headers: { Authorization: `Bearer ${token}` },
      });
      if (!response.ok || !data) throw new ApiError(response.status, detailOf(error, `the server answered ${response.status}`));
      return data;
    },
    onSuccess: () => client.invalidateQueries({ queryKey: compareKeys.scorings(batchId) }),
  });
}

export function useComparison(q: CompareQuery) {
  const ready = q.versions.length > 0 && (q.batchIds.length > 0 || q.role !== null);
  return useQuery({
    queryKey: compareKeys.comparison(q),
    enabled: ready,
    queryFn: () =>
      must(
        api.GET("/api/compare", {
          params: {
            query: q.role ? { role: q.role, versions: q.versions } : { batch_ids: q.batchIds, versions: q.versions },
          },
        }),
      ),
    retry: false,
    staleTime: 60_000,
  });
}

export function useLearningLoop() {
  return useQuery({ queryKey: compareKeys.loop, queryFn: () => must(api.GET("/api/learning-loop")) });
}
