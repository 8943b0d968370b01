// Hash routes (#/batches/3): the backend serves the built page as static files, so every deep link
// must resolve to index.html; the hash never reaches the server.
import { useSyncExternalStore } from "react";

export type Route =
  | { page: "upload" }
  | { page: "dashboard" }
  | { page: "review" }
  | { page: "score" }
  | { page: "batch"; id: number; duplicate: boolean }
  | { page: "compare"; batchIds: number[]; versions: string[]; role: "evaluation" | null }
  | { page: "missing"; path: string };

export function parseHash(hash: string): Route {
  const [path = "", query = ""] = hash.replace(/^#/, "").split("?");
  const clean = path.replace(/\/+$/, "") || "/";
  if (clean === "/" || clean === "/upload") return { page: "upload" };
  if (clean === "/dashboard") return { page: "dashboard" };
  if (clean === "/review") return { page: "review" };
  if (clean === "/score") return { page: "score" };
  if (clean === "/compare") return parseCompare(new URLSearchParams(query));
  const batch = /^\/batches\/(\d+)$/.exec(clean);
  if (batch) {
    return { page: "batch", id: Number(batch[1]), duplicate: new URLSearchParams(query).has("duplicate") };
  }
  return { page: "missing", path: clean };
}

export function href(route: Route): string {
  switch (route.page) {
    case "upload":
      return "#/";
    case "dashboard":
      return "#/dashboard";
    case "review":
      return "#/review";
    case "score":
      return "#/score";
    case "batch":
      return `#/batches/${route.id}${route.duplicate ? "?duplicate" : ""}`;
    case "compare":
      return `#/compare?${compareQuery(route)}`;
    case "missing":
      return `#${route.path}`;
  }
}

export function navigate(route: Route): void {
  window.location.hash = href(route);
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener("hashchange", onChange);
  return () => window.removeEventListener("hashchange", onChange);
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseHash(hash);
}

// #/compare?batch=3&version=a&version=b, or ?role=evaluation for every evaluation batch (the holdout).
function parseCompare(params: URLSearchParams): Route {
  const batchIds = params.getAll("batch").map(Number).filter((n) => Number.isInteger(n) && n >= 0);
  return { page: "compare", batchIds, versions: params.getAll("version"), role: params.get("role") === "evaluation" ? "evaluation" : null };
}

function compareQuery(route: { batchIds: number[]; versions: string[]; role: "evaluation" | null }): string {
  const params = new URLSearchParams();
  if (route.role) params.set("role", route.role);
  route.batchIds.forEach((id) => params.append("batch", String(id)));
  route.versions.forEach((v) => params.append("version", v));
  return params.toString();
}
