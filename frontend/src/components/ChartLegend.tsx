export interface LegendItem {
  label: string;
  color: string;
  kind: "line" | "dashed" | "dot" | "box";
}

export const LEGEND_HEIGHT = 28;

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
