// The upload in flight lives here, outside any page: the user may leave the upload page while a file travels,
// and the upload must go on, stay visible (UploadTracker) and, when it ends, not pull them back; a notice with a
// link says it is done. Only a user still on the upload page is taken to the new batch.
import type { QueryClient } from "@tanstack/react-query";
import { useSyncExternalStore } from "react";
import { api, type BatchUpload, type DemoFile, type Rejected } from "../../api/client";
import { keys } from "../../api/queries";
import { interpret, uploadCsv, type UploadPhase, type UploadResult } from "../../api/upload";
import { navigate, parseHash } from "../../router";

export interface ScoredSummary {
  id: number;
  rows: number;
  flagged: number;
  duplicate: boolean;
}

export type UploadState =
  | { status: "idle" }
  | { status: "busy"; filename: string; phase: UploadPhase; startedAt: number; demo: boolean }
  | { status: "rejected"; filename: string; rejected: Rejected }
  | { status: "failed"; filename: string; message: string }
  /** scored while the user was on another page: they are told, not taken there */
  | { status: "scored"; filename: string; batch: ScoredSummary };

let state: UploadState = { status: "idle" };
const listeners = new Set<() => void>();

function set(next: UploadState): void {
  state = next;
  for (const listener of listeners) listener();
}

export function getUpload(): UploadState {
  return state;
}

export function subscribeUpload(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useUpload(): UploadState {
  return useSyncExternalStore(subscribeUpload, getUpload);
}

/** Back to no upload (the notice dismissed, or a new page of results opened). */
export function clearUpload(): void {
  if (state.status !== "busy") set({ status: "idle" });
}

function onUploadPage(): boolean {
  return parseHash(window.location.hash).page === "upload";
}

function finish(filename: string, result: UploadResult, queryClient: QueryClient): void {
  if (result.kind === "scored") {
    const { duplicate, ...batch } = result.batch satisfies BatchUpload;
    queryClient.setQueryData(keys.batch(batch.id), batch);
    void queryClient.invalidateQueries({ queryKey: keys.batches });
    void queryClient.invalidateQueries({ queryKey: keys.models });
    if (onUploadPage()) {
      set({ status: "idle" });
      navigate({ page: "batch", id: batch.id, duplicate });
    } else {
      set({ status: "scored", filename, batch: { id: batch.id, rows: batch.row_count, flagged: batch.flagged_count, duplicate } });
    }
  } else if (result.kind === "rejected") {
    set({ status: "rejected", filename, rejected: result.rejected });
  } else {
    set({ status: "failed", filename, message: result.message });
  }
}

function failed(filename: string, error: unknown): void {
  set({ status: "failed", filename, message: error instanceof Error ? error.message : String(error) });
}

/** Send a file; one upload at a time (the page disables its buttons while one is in flight). */
export function startUpload(file: File, queryClient: QueryClient): Promise<void> {
  if (state.status === "busy") return Promise.resolve();
  set({ status: "busy", filename: file.name, phase: { phase: "sending", loaded: 0, total: file.size }, startedAt: Date.now(), demo: false });
  const onPhase = (phase: UploadPhase) => {
    if (state.status === "busy") set({ ...state, phase });
  };
  return uploadCsv(file, onPhase).then(
    (result) => finish(file.name, result, queryClient),
    (error: unknown) => failed(file.name, error),
  );
}

/** Score one of the server's prepared files, through the same path as an upload. */
export function startDemo(file: DemoFile, queryClient: QueryClient): Promise<void> {
  if (state.status === "busy") return Promise.resolve();
  set({ status: "busy", filename: file.filename, phase: { phase: "processing", total: file.size_bytes }, startedAt: Date.now(), demo: true });
  return api.POST("/api/demo/{name}", { params: { path: { name: file.name } } }).then(
    ({ data, error, response }) => finish(file.filename, interpret(response.status, data ?? error), queryClient),
    (error: unknown) => failed(file.filename, error),
  );
}
