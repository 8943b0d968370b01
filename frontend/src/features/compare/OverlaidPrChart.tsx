import { CartesianGrid, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { ChartFigure } from "../../shared/ChartFigure";
import { AXIS_TEXT_COLOR, AXIS_TICK_STYLE, BASELINE_COLOR, CHART_MARGIN, GRID_COLOR, GRID_LINE_PROPS, PLOT_PROPS, TOOLTIP_STYLE, xAxisLabel, ZERO_TO_ONE_TICKS } from "../../shared/chartStyle";
import { fmtPercent, fmtScore, shortVersion } from "../../shared/format";
import type { VersionComparison } from "./compareApi";
import { seriesColor } from "./series";

/** Every version's precision-recall curve on the same rows, drawn step-wise (the area AUPRC measures). */
export function OverlaidPrChart({ versions, prevalence }: { versions: VersionComparison[]; prevalence: number }) {
  const summary =
    "Precision–recall curves on the same rows: " +
    versions.map((v) => `${shortVersion(v.version)} AUPRC ${fmtScore(v.auprc)}`).join(", ") +
    `; a random model's precision is ${fmtPercent(prevalence)}.`;
  return (
    <ChartFigure
      summary={summary}
      testId="overlaid-pr"
      legend={[
        ...versions.map((v, i) => ({ label: `${shortVersion(v.version)} (${fmtScore(v.auprc)})`, color: seriesColor(i), kind: "line" as const })),
        { label: `Random (${fmtPercent(prevalence)})`, color: BASELINE_COLOR, kind: "dashed" },
      ]}
    >
      <LineChart {...PLOT_PROPS} margin={CHART_MARGIN}>
        <CartesianGrid {...GRID_LINE_PROPS} />
        <XAxis
          dataKey="recall"
          type="number"
          domain={[0, 1]}
          ticks={ZERO_TO_ONE_TICKS}
          tick={AXIS_TICK_STYLE}
          stroke={GRID_COLOR}
          allowDuplicatedCategory={false}
          label={xAxisLabel("Recall (share of frauds caught)")}
        />
        <YAxis
          type="number"
          domain={[0, 1]}
          ticks={ZERO_TO_ONE_TICKS}
          tick={AXIS_TICK_STYLE}
          stroke={GRID_COLOR}
          width={40}
          label={{ value: "Precision", angle: -90, position: "insideLeft", offset: 6, dy: 28, fill: AXIS_TEXT_COLOR, fontSize: 12 }}
        />
        <Tooltip formatter={(value) => fmtScore(Number(value))} labelFormatter={(label) => `Recall ${fmtScore(Number(label))}`} contentStyle={TOOLTIP_STYLE} />
        <ReferenceLine y={prevalence} stroke={BASELINE_COLOR} strokeDasharray="6 4" strokeWidth={1.5} />
        {versions.map((v, i) => (
          <Line
            key={v.version}
            data={v.curve}
            name={shortVersion(v.version)}
            type="stepBefore"
            dataKey="precision"
            stroke={seriesColor(i)}
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ChartFigure>
  );
}
