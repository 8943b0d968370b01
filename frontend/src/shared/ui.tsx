import type { ReactNode } from "react";

export function Skeleton({ height, width, className = "" }: { height: number | string; width?: number | string; className?: string }) {
  return <span className={`skeleton ${className}`} style={{ height, width: width ?? "100%" }} aria-hidden="true" />;
}

export function Card({
  title,
  subtitle,
  actions,
  children,
  className = "",
  id,
}: {
  title: string;
  subtitle?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
  id: string;
}) {
  return (
    <section className={`card ${className}`} aria-labelledby={`${id}-title`} data-testid={id}>
      <header className="card-header">
        <div>
          <h2 id={`${id}-title`} className="card-title">
            {title}
          </h2>
          {subtitle ? <p className="card-subtitle">{subtitle}</p> : null}
        </div>
        {actions ? <div className="card-actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}

export function Notice({ tone, title, children }: { tone: "info" | "warning" | "danger"; title: string; children?: ReactNode }) {
  return (
    <div className={`notice notice-${tone}`} role={tone === "danger" ? "alert" : "status"}>
      <Icon name={tone === "info" ? "info" : "alert"} />
      <div>
        <p className="notice-title">{title}</p>
        {children ? <div className="notice-body">{children}</div> : null}
      </div>
    </div>
  );
}

const PATHS: Record<string, string> = {
  upload: "M12 16V4m0 0l-5 5m5-5l5 5M4 16v3a1 1 0 001 1h14a1 1 0 001-1v-3",
  download: "M12 4v12m0 0l-5-5m5 5l5-5M4 16v3a1 1 0 001 1h14a1 1 0 001-1v-3",
  shield: "M12 3l8 3v6c0 4.8-3.3 8.6-8 10-4.7-1.4-8-5.2-8-10V6z",
  info: "M12 8h.01M11 12h1v5h1M12 21a9 9 0 110-18 9 9 0 010 18z",
  alert: "M12 9v4m0 4h.01M10.3 4l-8 14A2 2 0 004 21h16a2 2 0 001.7-3l-8-14a2 2 0 00-3.4 0z",
  file: "M14 3H7a2 2 0 00-2 2v14a2 2 0 002 2h10a2 2 0 002-2V8zm0 0v5h5",
  play: "M8 5v14l11-7z",
  chart: "M4 19h16M7 15l3-4 3 2 4-6",
  arrowLeft: "M15 6l-6 6 6 6",
  arrowRight: "M9 6l6 6-6 6",
  sortDown: "M7 10l5 5 5-5",
  sortUp: "M7 14l5-5 5 5",
  sort: "M8 9l4-4 4 4M8 15l4 4 4-4",
};

export function Icon({ name, size = 18 }: { name: keyof typeof PATHS; size?: number }) {
  return (
    <svg className="icon" width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d={PATHS[name]} />
    </svg>
  );
}

/** What a page looks like while its code arrives: the heading's and two cards' places, nothing that moves. */
export function PageSkeleton() {
  return (
    <div className="page page-skeleton" aria-busy="true" data-testid="page-skeleton">
      <span className="sr-only" role="status">
        Loading the page…
      </span>
      <div className="page-header">
        <div className="page-title-block">
          <Skeleton height={34} width={320} />
          <Skeleton height={16} width={440} className="skeleton-line" />
        </div>
      </div>
      <div className="card">
        <Skeleton height={240} />
      </div>
      <div className="card">
        <Skeleton height={160} />
      </div>
    </div>
  );
}
