import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import type { Batch } from "../api/client";
import { fmtDateTime, fmtScore } from "../format";
import { trendRows, type TrendRow } from "./chartData";
import { ChartFigure } from "./ChartLegend";
import { COLORS, ACCENT_LINE, AXIS_TICK, bottomLabel, CHART_MARGIN, GRID, PLOT_PROPS, TOOLTIP_STYLE, UNIT_TICKS } from "./colors";

export function AuprcTrendChart({ batches }: { batches: Batch[] }) {
  const rows = trendRows(batches).filter((r) => r.auprc !== null);
  const first = rows[0];
  const last = rows[rows.length - 1];
  const summary =
    first && last
      ? `AUPRC of ${rows.length} labeled batches in upload order, from ${fmtScore(first.auprc)} to ${fmtScore(last.auprc)}.`
      : "No labeled batch yet.";
  return (
    <ChartFigure
      summary={summary}
      legend={[
        { label: "AUPRC", color: COLORS.accent, kind: "line" },
        { label: "ROC-AUC", color: COLORS.legit, kind: "line" },
        { label: "Random (prevalence)", color: COLORS.baseline, kind: "dashed" },
      ]}
    >
      <LineChart {...PLOT_PROPS} data={rows} margin={CHART_MARGIN}>
        <CartesianGrid {...GRID} />
        <XAxis
          dataKey="key"
          tick={AXIS_TICK}
          stroke={COLORS.grid}
          padding={{ left: 16, right: 16 }}
          label={bottomLabel("Labeled batch, in upload order")}
        />
        <YAxis
          domain={[0, 1]}
          ticks={UNIT_TICKS}
          tick={AXIS_TICK}
          stroke={COLORS.grid}
          width={48}
        />
        <Tooltip
          labelFormatter={(_label, payload) => {
            const row = payload?.[0]?.payload as TrendRow | undefined;
            return row ? `Batch #${row.id} · ${row.filename} · ${fmtDateTime(row.created_at)}` : "";
          }}
          formatter={(value, name) => [fmtScore(Number(value), name === "Prevalence" ? 4 : 3), name]}
          contentStyle={TOOLTIP_STYLE}
        />
        <Line
          name="AUPRC"
          dataKey="auprc"
          {...ACCENT_LINE}
        />
        <Line
          name="ROC-AUC"
          dataKey="roc_auc"
          stroke={COLORS.legit}
          strokeWidth={1.5}
          dot={{ r: 3, fill: COLORS.legit, strokeWidth: 0 }}
          connectNulls
          isAnimationActive={false}
        />
        <Line
          name="Prevalence"
          dataKey="prevalence"
          stroke={COLORS.baseline}
          strokeDasharray="6 4"
          strokeWidth={1.5}
          dot={false}
          connectNulls
          isAnimationActive={false}
        />
      </LineChart>
    </ChartFigure>
  );
}
