import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import type { Batch } from "../../api/client";
import { ChartFigure } from "../../shared/ChartFigure";
import { ACCENT_COLOR, AXIS_TICK_STYLE, BASELINE_COLOR, CHART_MARGIN, GRID_COLOR, GRID_LINE_PROPS, LEGIT_COLOR, PLOT_PROPS, PRIMARY_LINE_PROPS, TOOLTIP_STYLE, xAxisLabel, yAxisLabel, ZERO_TO_ONE_TICKS } from "../../shared/chartStyle";
import { fmtDateTime, fmtScore } from "../../shared/format";
import { trendRows, type TrendRow } from "./trendData";

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
        { label: "AUPRC", color: ACCENT_COLOR, kind: "line" },
        { label: "ROC-AUC", color: LEGIT_COLOR, kind: "line" },
        { label: "Random (prevalence)", color: BASELINE_COLOR, kind: "dashed" },
      ]}
    >
      <LineChart {...PLOT_PROPS} data={rows} margin={CHART_MARGIN}>
        <CartesianGrid {...GRID_LINE_PROPS} />
        <XAxis
          dataKey="key"
          tick={AXIS_TICK_STYLE}
          stroke={GRID_COLOR}
          padding={{ left: 16, right: 16 }}
          label={xAxisLabel("Labeled batch, in upload order")}
        />
        <YAxis
          domain={[0, 1]}
          ticks={ZERO_TO_ONE_TICKS}
          tick={AXIS_TICK_STYLE}
          stroke={GRID_COLOR}
          width={52}
          label={yAxisLabel("Score (0–1)")}
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
          {...PRIMARY_LINE_PROPS}
        />
        <Line
          name="ROC-AUC"
          dataKey="roc_auc"
          stroke={LEGIT_COLOR}
          strokeWidth={1.5}
          dot={{ r: 3, fill: LEGIT_COLOR, strokeWidth: 0 }}
          connectNulls
          isAnimationActive={false}
        />
        <Line
          name="Prevalence"
          dataKey="prevalence"
          stroke={BASELINE_COLOR}
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
