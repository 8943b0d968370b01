import type { ReactNode } from "react";
import { CHART_HEIGHT } from "./chartStyle";

export interface LegendItem {
  label: string;
  color: string;
  kind: "line" | "dashed" | "dot" | "box";
}

/** A legend in HTML above a chart: it wraps on a phone instead of overlapping the plot. */
export function ChartLegend({ items }: { items: LegendItem[] }) {
  return (
    <ul className="chart-legend" aria-hidden="true">
      {items.map((item) => (
        <li key={item.label}>
          <span className={`swatch swatch-${item.kind}`} style={{ color: item.color }} />
          {item.label}
        </li>
      ))}
    </ul>
  );
}

/** A chart's figure: its summary for screen readers, the legend, then the plot (spread PLOT_PROPS on it). */
export function ChartFigure({ summary, legend, testId, children }: { summary: string; legend: LegendItem[]; testId?: string; children: ReactNode }) {
  return (
    <figure className="chart" aria-label={summary} style={{ height: CHART_HEIGHT }} data-testid={testId}>
      <ChartLegend items={legend} />
      {children}
    </figure>
  );
}
