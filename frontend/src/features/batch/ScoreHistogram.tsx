import { Bar, BarChart, CartesianGrid, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import type { HistogramBin } from "../../api/client";
import { ChartFigure } from "../../shared/ChartFigure";
import { ACCENT_COLOR, AXIS_TICK_STYLE, BAR_HOVER_CURSOR, CHART_MARGIN, FRAUD_COLOR, GRID_COLOR, GRID_LINE_PROPS, LEGIT_COLOR, PLOT_PROPS, TOOLTIP_STYLE, UNLABELED_COLOR, xAxisLabel, yAxisLabel } from "../../shared/chartStyle";
import { fmtInt, fmtPercent, fmtThreshold } from "../../shared/format";
import { binPosition, edgeTicks, edgeValue, histogramRows, type HistogramRow } from "./histogramData";

/** The numeric axis the threshold line and the tick labels sit on, in bin units (see histogramData.ts). */
const EDGES = "edges";
/** Label every 4th bin edge: 0, 0.2, … 1 with the server's 20 bins. */
const TICK_EVERY = 4;

function percentTick(value: number): string {
  return value === 0 ? "0" : `${Math.round(value * 100)}%`;
}

export function ScoreHistogram({ bins, threshold }: { bins: HistogramBin[]; threshold: number }) {
  const rows = histogramRows(bins);
  const labeled = rows.some((r) => r.legitCount + r.fraudCount > 0);
  const thresholdAt = binPosition(rows, threshold);
  const edgeLabel = (edge: number) => {
    const value = edgeValue(rows, edge);
    return value === undefined ? "" : String(Number(value.toFixed(2)));
  };
  const series = labeled
    ? [
        { key: "legit" as const, name: "Legitimate", color: LEGIT_COLOR, count: "legitCount" as const },
        { key: "fraud" as const, name: "Fraud", color: FRAUD_COLOR, count: "fraudCount" as const },
      ]
    : [{ key: "unlabeled" as const, name: "All rows (no labels)", color: UNLABELED_COLOR, count: "unlabeledCount" as const }];
  const summary = labeled
    ? `Histogram of fraud probabilities for legitimate and fraudulent rows, as a share of each class; the threshold is ${fmtThreshold(threshold)}.`
    : `Histogram of fraud probabilities (the file had no labels); the threshold is ${fmtThreshold(threshold)}.`;
  return (
    <ChartFigure
      summary={summary}
      legend={[
        ...series.map((s) => ({ label: s.name, color: s.color, kind: "box" as const })),
        { label: `Threshold ${fmtThreshold(threshold)}`, color: ACCENT_COLOR, kind: "dashed" as const },
      ]}
    >
      <BarChart {...PLOT_PROPS} data={rows} margin={CHART_MARGIN} barGap={1} barCategoryGap="18%">
        <CartesianGrid {...GRID_LINE_PROPS} vertical={false} />
        {/* the bars' own axis: one slot per bin, not drawn (the edges axis below labels the same width) */}
        <XAxis dataKey="label" hide height={0} />
        <XAxis
          xAxisId={EDGES}
          type="number"
          domain={[0, rows.length]}
          ticks={edgeTicks(rows, TICK_EVERY)}
          tickFormatter={edgeLabel}
          allowDataOverflow
          tick={AXIS_TICK_STYLE}
          stroke={GRID_COLOR}
          label={xAxisLabel("Fraud probability")}
        />
        <YAxis
          scale="sqrt"
          domain={[0, 1]}
          ticks={[0, 0.01, 0.05, 0.2, 0.5, 1]}
          tickFormatter={percentTick}
          tick={AXIS_TICK_STYLE}
          stroke={GRID_COLOR}
          width={58}
          label={yAxisLabel(labeled ? "Share of the class" : "Share of rows")}
        />
        <Tooltip
          cursor={BAR_HOVER_CURSOR}
          labelFormatter={(_label, payload) => {
            const row = payload?.[0]?.payload as HistogramRow | undefined;
            return row ? `Probability ${row.start.toFixed(2)}–${row.end.toFixed(2)}` : "";
          }}
          formatter={(value, name, item) => {
            const row = item.payload as HistogramRow;
            const match = series.find((s) => s.name === name);
            const count = match ? row[match.count] : 0;
            return [`${fmtInt(count)} rows · ${fmtPercent(Number(value))}`, name];
          }}
          contentStyle={TOOLTIP_STYLE}
        />
        {series.map((s) => (
          <Bar key={s.key} dataKey={s.key} name={s.name} fill={s.color} radius={[3, 3, 0, 0]} isAnimationActive={false} />
        ))}
        {thresholdAt !== undefined ? (
          <ReferenceLine xAxisId={EDGES} x={thresholdAt} stroke={ACCENT_COLOR} strokeDasharray="5 4" strokeWidth={1.5} />
        ) : null}
      </BarChart>
    </ChartFigure>
  );
}
