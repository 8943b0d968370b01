import { Bar, BarChart, CartesianGrid, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import type { HistogramBin } from "../api/client";
import { fmtInt, fmtPercent, fmtScore } from "../format";
import { binLabelFor, histogramRows, type HistogramRow } from "./chartData";
import { ChartFigure } from "./ChartLegend";
import { COLORS, AXIS_TICK, BAR_CURSOR, bottomLabel, CHART_MARGIN, GRID, PLOT_PROPS, TOOLTIP_STYLE } from "./colors";

function percentTick(value: number): string {
  return value === 0 ? "0" : `${Math.round(value * 100)}%`;
}

export function ScoreHistogram({ bins, threshold }: { bins: HistogramBin[]; threshold: number }) {
  const rows = histogramRows(bins);
  const labeled = rows.some((r) => r.legitCount + r.fraudCount > 0);
  const thresholdLabel = binLabelFor(rows, threshold);
  const series = labeled
    ? [
        { key: "legit" as const, name: "Legitimate", color: COLORS.legit, count: "legitCount" as const },
        { key: "fraud" as const, name: "Fraud", color: COLORS.fraud, count: "fraudCount" as const },
      ]
    : [{ key: "unlabeled" as const, name: "All rows (no labels)", color: COLORS.unlabeled, count: "unlabeledCount" as const }];
  const summary = labeled
    ? `Histogram of fraud probabilities for legitimate and fraudulent rows, as a share of each class; the threshold is ${fmtScore(threshold, 4)}.`
    : `Histogram of fraud probabilities (the file had no labels); the threshold is ${fmtScore(threshold, 4)}.`;
  return (
    <ChartFigure
      summary={summary}
      legend={[
        ...series.map((s) => ({ label: s.name, color: s.color, kind: "box" as const })),
        { label: `Threshold ${fmtScore(threshold, 2)}`, color: COLORS.accent, kind: "dashed" as const },
      ]}
    >
      <BarChart {...PLOT_PROPS} data={rows} margin={CHART_MARGIN} barGap={1} barCategoryGap="18%">
        <CartesianGrid {...GRID} vertical={false} />
        <XAxis
          dataKey="label"
          tick={AXIS_TICK}
          stroke={COLORS.grid}
          interval="preserveStartEnd"
          minTickGap={12}
          label={bottomLabel("Fraud probability (bin start)")}
        />
        <YAxis
          scale="sqrt"
          domain={[0, 1]}
          ticks={[0, 0.01, 0.05, 0.2, 0.5, 1]}
          tickFormatter={percentTick}
          tick={AXIS_TICK}
          stroke={COLORS.grid}
          width={48}
        />
        <Tooltip
          cursor={BAR_CURSOR}
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
          <ReferenceLine x={thresholdLabel} stroke={COLORS.accent} strokeDasharray="5 4" strokeWidth={1.5} />
        ) : null}
      </BarChart>
    </ChartFigure>
  );
}
