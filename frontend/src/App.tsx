import { useEffect, useRef } from "react";
import { AppShell } from "./shared/AppShell";
import { BatchPage } from "./features/batch/BatchPage";
import { DashboardPage } from "./features/dashboard/DashboardPage";
import { UploadPage } from "./features/upload/UploadPage";
import { useRoute, type Route } from "./router";

function titleOf(route: Route): string {
  switch (route.page) {
    case "upload":
      return "Score a batch · fraudops";
    case "dashboard":
      return "Dashboard · fraudops";
    case "batch":
      return `Batch #${route.id} · fraudops`;
    case "missing":
      return "Not found · fraudops";
  }
}

export function App() {
  const route = useRoute();
  const key = route.page === "batch" ? `batch-${route.id}` : route.page;

  useEffect(() => {
    document.title = titleOf(route);
  });

  // After navigating (not on the first load), keyboard and screen-reader users land on the new page's heading.
  const firstPage = useRef(true);
  useEffect(() => {
    if (firstPage.current) {
      firstPage.current = false;
      return;
    }
    document.querySelector<HTMLElement>("main h1")?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }, [key]);

  return (
    <AppShell route={route}>
      {route.page === "upload" ? <UploadPage /> : null}
      {route.page === "dashboard" ? <DashboardPage /> : null}
      {route.page === "batch" ? <BatchPage key={key} id={route.id} duplicate={route.duplicate} /> : null}
      {route.page === "missing" ? (
        <div className="page">
          <h1 tabIndex={-1}>Nothing at {route.path}</h1>
          <p>
            Go to <a href="#/">Score a batch</a> or the <a href="#/dashboard">dashboard</a>.
          </p>
        </div>
      ) : null}
    </AppShell>
  );
}
