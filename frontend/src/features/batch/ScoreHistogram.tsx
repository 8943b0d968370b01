import { Bar, BarChart, CartesianGrid, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import type { HistogramBin } from "../../api/client";
import { ChartFigure } from "../../shared/ChartFigure";
import { ACCENT_COLOR, AXIS_TICK_STYLE, BAR_HOVER_CURSOR, CHART_MARGIN, FRAUD_COLOR, GRID_COLOR, GRID_LINE_PROPS, LEGIT_COLOR, PLOT_PROPS, TOOLTIP_STYLE, UNLABELED_COLOR, xAxisLabel } from "../../shared/chartStyle";
import { fmtInt, fmtPercent, fmtScore } from "../../shared/format";
import { binLabelFor, histogramRows, type HistogramRow } from "./histogramData";

function percentTick(value: number): string {
  return value === 0 ? "0" : `${Math.round(value * 100)}%`;
}

export function ScoreHistogram({ bins, threshold }: { bins: HistogramBin[]; threshold: number }) {
  const rows = histogramRows(bins);
  const labeled = rows.some((r) => r.legitCount + r.fraudCount > 0);
  const thresholdLabel = binLabelFor(rows, threshold);
  const series = labeled
    ? [
        { key: "legit" as const, name: "Legitimate", color: LEGIT_COLOR, count: "legitCount" as const },
        { key: "fraud" as const, name: "Fraud", color: FRAUD_COLOR, count: "fraudCount" as const },
      ]
    : [{ key: "unlabeled" as const, name: "All rows (no labels)", color: UNLABELED_COLOR, count: "unlabeledCount" as const }];
  const summary = labeled
    ? `Histogram of fraud probabilities for legitimate and fraudulent rows, as a share of each class; the threshold is ${fmtScore(threshold, 4)}.`
    : `Histogram of fraud probabilities (the file had no labels); the threshold is ${fmtScore(threshold, 4)}.`;
  return (
    <ChartFigure
      summary={summary}
      legend={[
        ...series.map((s) => ({ label: s.name, color: s.color, kind: "box" as const })),
        { label: `Threshold ${fmtScore(threshold, 2)}`, color: ACCENT_COLOR, kind: "dashed" as const },
      ]}
    >
      <BarChart {...PLOT_PROPS} data={rows} margin={CHART_MARGIN} barGap={1} barCategoryGap="18%">
        <CartesianGrid {...GRID_LINE_PROPS} vertical={false} />
        <XAxis
          dataKey="label"
          tick={AXIS_TICK_STYLE}
          stroke={GRID_COLOR}
          interval="preserveStartEnd"
          minTickGap={12}
          label={xAxisLabel("Fraud probability (bin start)")}
        />
        <YAxis
          scale="sqrt"
          domain={[0, 1]}
          ticks={[0, 0.01, 0.05, 0.2, 0.5, 1]}
          tickFormatter={percentTick}
          tick={AXIS_TICK_STYLE}
          stroke={GRID_COLOR}
          width={48}
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
        {thresholdLabel ? (
          <ReferenceLine x={thresholdLabel} stroke={ACCENT_COLOR} strokeDasharray="5 4" strokeWidth={1.5} />
        ) : null}
      </BarChart>
    </ChartFigure>
  );
}
