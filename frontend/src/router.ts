// Hash routes (#/batches/3): the backend serves the built page as static files, so every deep link
// must resolve to index.html; the hash never reaches the server.
import { useSyncExternalStore } from "react";

export type Route =
  | { page: "upload" }
  | { page: "dashboard" }
  | { page: "batch"; id: number; duplicate: boolean }
  | { page: "missing"; path: string };

export function parseHash(hash: string): Route {
  const [path = "", query = ""] = hash.replace(/^#/, "").split("?");
  const clean = path.replace(/\/+$/, "") || "/";
  if (clean === "/" || clean === "/upload") return { page: "upload" };
  if (clean === "/dashboard") return { page: "dashboard" };
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
    case "batch":
      return `#/batches/${route.id}${route.duplicate ? "?duplicate" : ""}`;
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
