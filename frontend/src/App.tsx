import { useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useEffect, useState, type ReactNode } from "react";
import { prefetchBatchPage } from "./features/batch/prefetch";
import { UploadTracker } from "./features/upload/UploadTracker";
import { useRoute, type Route } from "./router";
import { AppShell } from "./shared/AppShell";
import { PageSkeleton } from "./shared/ui";

// Each page is its own chunk, fetched when first shown: the upload page never loads the charting library, and the
// shell and a skeleton are on screen while a page's code arrives. After the first page, the others are fetched
// while the browser is idle, so moving between pages does not wait on the network.
const loaders = {
  upload: () => import("./features/upload/UploadPage").then((m) => ({ default: m.UploadPage })),
  dashboard: () => import("./features/dashboard/DashboardPage").then((m) => ({ default: m.DashboardPage })),
  batch: () => import("./features/batch/BatchPage").then((m) => ({ default: m.BatchPage })),
  compare: () => import("./features/compare/ComparePage").then((m) => ({ default: m.ComparePage })),
  review: () => import("./features/review/ReviewPage").then((m) => ({ default: m.ReviewPage })),
  score: () => import("./features/score/ScorePage").then((m) => ({ default: m.ScorePage })),
};
const UploadPage = lazy(loaders.upload);
const DashboardPage = lazy(loaders.dashboard);
const BatchPage = lazy(loaders.batch);
const ReviewPage = lazy(loaders.review);
const ScorePage = lazy(loaders.score);
const ComparePage = lazy(loaders.compare);

/** Wait after the first page has drawn: fetched earlier, the other pages competed with its own code and data
 * (measured: the batch page's chunks arrived 0.3 s later on a cold load). */
const PREFETCH_DELAY_MS = 2000;

/** Fetch every page's code once the first page is on screen and the browser is idle. */
function prefetchPages(): () => void {
  const run = () => Object.values(loaders).forEach((load) => void load().catch(() => undefined));
  let idle = 0;
  const timer = window.setTimeout(() => {
    if (typeof window.requestIdleCallback === "function") idle = window.requestIdleCallback(run, { timeout: 4000 });
    else run();
  }, PREFETCH_DELAY_MS);
  return () => {
    window.clearTimeout(timer);
    if (idle) window.cancelIdleCallback(idle);
  };
}

/** Runs inside the page's Suspense boundary: its effect fires once the first page's code has arrived and drawn. */
function PrefetchOtherPages() {
  useEffect(prefetchPages, []);
  return null;
}

function titleOf(route: Route): string {
  switch (route.page) {
    case "upload":
      return "Score a batch · fraudops";
    case "dashboard":
      return "Dashboard · fraudops";
    case "review":
      return "Review queue · fraudops";
    case "score":
      return "Score one transaction · fraudops";
    case "batch":
      return `Batch #${route.id} · fraudops`;
    case "compare":
      return "Compare model versions · fraudops";
    case "missing":
      return "Not found · fraudops";
  }
}

/**
 * After navigating (not on the first load), keyboard and screen-reader users land on the new page's heading.
 * It sits inside the page's Suspense boundary, so its effect runs once the page's code has arrived and drawn.
 */
function FocusOnArrival({ skip }: { skip: boolean }) {
  useEffect(() => {
    if (skip) return;
    document.querySelector<HTMLElement>("main h1")?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }, [skip]);
  return null;
}

function page(route: Route, key: string): ReactNode {
  switch (route.page) {
    case "upload":
      return <UploadPage />;
    case "dashboard":
      return <DashboardPage />;
    case "review":
      return <ReviewPage />;
    case "score":
      return <ScorePage />;
    case "batch":
      return <BatchPage key={key} id={route.id} duplicate={route.duplicate} />;
    case "compare":
      return <ComparePage query={route} />;
    case "missing":
      return (
        <div className="page">
          <h1 tabIndex={-1}>Nothing at {route.path}</h1>
          <p>
            Go to <a href="#/">Score a batch</a> or the <a href="#/dashboard">dashboard</a>.
          </p>
        </div>
      );
  }
}

export function App() {
  const route = useRoute();
  const key = route.page === "batch" ? `batch-${route.id}` : route.page;

  useEffect(() => {
    document.title = titleOf(route);
  });

  // a batch page's data is asked for now, while its code is still on the way
  const queryClient = useQueryClient();
  const batchId = route.page === "batch" ? route.id : null;
  useEffect(() => {
    if (batchId !== null) prefetchBatchPage(queryClient, batchId);
  }, [queryClient, batchId]);

  // Focus moves only once the user has navigated: the first page loads with focus where the browser put it.
  const [firstKey] = useState(key);
  const [navigated, setNavigated] = useState(false);
  if (!navigated && key !== firstKey) setNavigated(true);

  return (
    <AppShell route={route}>
      <Suspense fallback={<PageSkeleton />}>
        <FocusOnArrival key={key} skip={!navigated} />
        <PrefetchOtherPages />
        {page(route, key)}
      </Suspense>
      <UploadTracker route={route} />
    </AppShell>
  );
}
