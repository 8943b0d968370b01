import { CartesianGrid, Line, LineChart, ReferenceDot, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import type { CurvePoint } from "../../api/client";
import { ChartFigure } from "../../shared/ChartFigure";
import { ACCENT_COLOR, AXIS_TICK_STYLE, BASELINE_COLOR, CHART_MARGIN, FRAUD_COLOR, GRID_COLOR, GRID_LINE_PROPS, PLOT_PROPS, TOOLTIP_STYLE, xAxisLabel, yAxisLabel, ZERO_TO_ONE_TICKS } from "../../shared/chartStyle";
import { fmtPercent, fmtScore, fmtThreshold } from "../../shared/format";

interface Props {
  points: CurvePoint[];
  prevalence: number;
  auprc: number;
  operating: { recall: number; precision: number; threshold: number };
}

export function PrCurveChart({ points, prevalence, auprc, operating }: Props) {
  const summary =
    `Precision–recall curve, AUPRC ${fmtScore(auprc)} against a random baseline of ${fmtPercent(prevalence)}. ` +
    `At the threshold ${fmtThreshold(operating.threshold)} the model has recall ${fmtScore(operating.recall)} and precision ${fmtScore(operating.precision)}.`;
  return (
    <ChartFigure
      summary={summary}
      legend={[
        { label: "Model", color: ACCENT_COLOR, kind: "line" },
        { label: `Random (${fmtPercent(prevalence)})`, color: BASELINE_COLOR, kind: "dashed" },
        { label: `Threshold ${fmtThreshold(operating.threshold)}`, color: FRAUD_COLOR, kind: "dot" },
      ]}
    >
      <LineChart {...PLOT_PROPS} data={points} margin={CHART_MARGIN}>
        <CartesianGrid {...GRID_LINE_PROPS} />
        <XAxis
          dataKey="recall"
          type="number"
          domain={[0, 1]}
          ticks={ZERO_TO_ONE_TICKS}
          tick={AXIS_TICK_STYLE}
          stroke={GRID_COLOR}
          label={xAxisLabel("Recall (share of frauds caught)")}
        />
        <YAxis
          type="number"
          domain={[0, 1]}
          ticks={ZERO_TO_ONE_TICKS}
          tick={AXIS_TICK_STYLE}
          stroke={GRID_COLOR}
          width={48}
          label={yAxisLabel("Precision")}
        />
        <Tooltip
          formatter={(value) => fmtScore(Number(value))}
          labelFormatter={(label) => `Recall ${fmtScore(Number(label))}`}
          cursor={{ stroke: GRID_COLOR }}
          contentStyle={TOOLTIP_STYLE}
        />
        <ReferenceLine y={prevalence} stroke={BASELINE_COLOR} strokeDasharray="6 4" strokeWidth={1.5} />
        <Line
          name="Precision"
          type="stepBefore"
          dataKey="precision"
          stroke={ACCENT_COLOR}
          strokeWidth={2.25}
          dot={false}
          isAnimationActive={false}
        />
        <ReferenceDot
          x={operating.recall}
          y={operating.precision}
          r={6}
          fill={FRAUD_COLOR}
          stroke="#fff"
          strokeWidth={2}
        />
      </LineChart>
    </ChartFigure>
  );
}
