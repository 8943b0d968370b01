import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import type { Batch } from "../api/client";
import { fmtDateTime, fmtScore } from "../format";
import { trendRows, type TrendRow } from "./chartData";
import { ChartLegend, LEGEND_HEIGHT } from "./ChartLegend";
import { COLORS, ACCENT_LINE, AXIS_TICK, bottomLabel } from "./colors";
import { CHART_HEIGHT } from "./PrCurveChart";

export function AuprcTrendChart({ batches }: { batches: Batch[] }) {
  const rows = trendRows(batches).filter((r) => r.auprc !== null);
  const scored = rows;
  const first = scored[0];
  const last = scored[scored.length - 1];
  const summary =
    first && last
      ? `AUPRC of ${scored.length} labeled batches in upload order, from ${fmtScore(first.auprc)} to ${fmtScore(last.auprc)}.`
      : "No labeled batch yet.";
  return (
    <figure className="chart" aria-label={summary} style={{ height: CHART_HEIGHT }}>
      <ChartLegend
        items={[
          { label: "AUPRC", color: COLORS.accent, kind: "line" },
          { label: "ROC-AUC", color: COLORS.legit, kind: "line" },
          { label: "Random (prevalence)", color: COLORS.baseline, kind: "dashed" },
        ]}
      />
      <LineChart
        responsive
        data={rows}
        style={{ width: "100%", height: CHART_HEIGHT - LEGEND_HEIGHT }}
        margin={{ top: 8, right: 16, bottom: 22, left: 4 }}
        accessibilityLayer={false}
      >
        <CartesianGrid stroke={COLORS.grid} strokeDasharray="3 3" />
        <XAxis
          dataKey="key"
          tick={AXIS_TICK}
          stroke={COLORS.grid}
          padding={{ left: 16, right: 16 }}
          label={bottomLabel("Labeled batch, in upload order")}
        />
        <YAxis
          domain={[0, 1]}
          ticks={[0, 0.2, 0.4, 0.6, 0.8, 1]}
          tick={AXIS_TICK}
          stroke={COLORS.grid}
          width={48}
        />
        <Tooltip
          labelFormatter={(_label, payload) => {
            const row = payload?.[0]?.payload as TrendRow | undefined;
            return row ? `Batch #${row.id} · ${row.filename} · ${fmtDateTime(row.created_at)}` : "";
          }}
          formatter={(value, name) => [value === null || value === undefined ? "—" : fmtScore(Number(value), name === "Prevalence" ? 4 : 3), name]}
          contentStyle={{ borderRadius: 8, borderColor: COLORS.grid, fontSize: 13 }}
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
    </figure>
  );
}
