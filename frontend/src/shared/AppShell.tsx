import type { ReactNode } from "react";
import { useHealth } from "../api/queries";
import type { Route } from "../router";
import { shortVersion } from "./format";
import { Icon } from "./ui";

function HealthChip() {
  const health = useHealth();
  if (!health.data) return <span className="health-chip" aria-hidden="true" />;
  const ok = health.data.status === "ok";
  return (
    <span className={`health-chip ${ok ? "is-ok" : "is-degraded"}`} title={ok ? health.data.model_version ?? "" : `database: ${health.data.database}; model: ${health.data.model}`}>
      <span className="dot" aria-hidden="true" />
      {ok && health.data.model_version ? (
        <>
          <span className="sr-only">Serving model </span>
          <span className="health-version">{shortVersion(health.data.model_version)}</span>
        </>
      ) : (
        <span>{health.data.model === "ok" ? "database unavailable" : "no model loaded"}</span>
      )}
    </span>
  );
}

export function AppShell({ route, children }: { route: Route; children: ReactNode }) {
  const current = (page: Route["page"]) => (route.page === page ? "page" : undefined);
  return (
    <div className="app">
      <a className="skip-link" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <a className="brand" href="#/">
            <span className="brand-mark">
              <Icon name="shield" size={18} />
            </span>
            fraudops
          </a>
          <nav aria-label="Main">
            <ul className="nav">
              <li>
                <a href="#/" aria-current={current("upload")}>
                  Score a batch
                </a>
              </li>
              <li>
                <a href="#/dashboard" aria-current={current("dashboard")}>
                  Dashboard
                </a>
              </li>
              <li>
                <a href="#/review" aria-current={current("review")}>
                  Review
                </a>
              </li>
              <li>
                <a href="#/score" aria-current={current("score")}>
                  Score one
                </a>
              </li>
            </ul>
          </nav>
          <HealthChip />
        </div>
      </header>
      <main id="main" tabIndex={-1} className="main">
        {children}
      </main>
      <footer className="footer">
        <span>fraudops · fraud scores from the champion model, metrics against the labels you upload</span>
        <a href="/docs">API docs</a>
      </footer>
    </div>
  );
}
