import { CartesianGrid, Line, LineChart, ReferenceDot, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import type { CurvePoint } from "../api/client";
import { fmtPercent, fmtScore } from "../format";
import { ChartFigure } from "./ChartLegend";
import { COLORS, AXIS_TICK, bottomLabel, CHART_MARGIN, GRID, PLOT_PROPS, TOOLTIP_STYLE, UNIT_TICKS } from "./colors";

interface Props {
  points: CurvePoint[];
  prevalence: number;
  auprc: number;
  operating: { recall: number; precision: number; threshold: number };
}

export function PrCurveChart({ points, prevalence, auprc, operating }: Props) {
  const summary =
    `Precision–recall curve, AUPRC ${fmtScore(auprc)} against a random baseline of ${fmtPercent(prevalence)}. ` +
    `At the threshold ${fmtScore(operating.threshold, 4)} the model has recall ${fmtScore(operating.recall)} and precision ${fmtScore(operating.precision)}.`;
  return (
    <ChartFigure
      summary={summary}
      legend={[
        { label: "Model", color: COLORS.accent, kind: "line" },
        { label: `Random (${fmtPercent(prevalence)})`, color: COLORS.baseline, kind: "dashed" },
        { label: `Threshold ${fmtScore(operating.threshold, 2)}`, color: COLORS.fraud, kind: "dot" },
      ]}
    >
      <LineChart {...PLOT_PROPS} data={points} margin={CHART_MARGIN}>
        <CartesianGrid {...GRID} />
        <XAxis
          dataKey="recall"
          type="number"
          domain={[0, 1]}
          ticks={UNIT_TICKS}
          tick={AXIS_TICK}
          stroke={COLORS.grid}
          label={bottomLabel("Recall (share of frauds caught)")}
        />
        <YAxis
          type="number"
          domain={[0, 1]}
          ticks={UNIT_TICKS}
          tick={AXIS_TICK}
          stroke={COLORS.grid}
          width={40}
          label={{ value: "Precision", angle: -90, position: "insideLeft", offset: 6, dy: 28, fill: COLORS.axis, fontSize: 12 }}
        />
        <Tooltip
          formatter={(value) => fmtScore(Number(value))}
          labelFormatter={(label) => `Recall ${fmtScore(Number(label))}`}
          cursor={{ stroke: COLORS.grid }}
          contentStyle={TOOLTIP_STYLE}
        />
        <ReferenceLine y={prevalence} stroke={COLORS.baseline} strokeDasharray="6 4" strokeWidth={1.5} />
        <Line
          name="Precision"
          type="stepBefore"
          dataKey="precision"
          stroke={COLORS.accent}
          strokeWidth={2.25}
          dot={false}
          isAnimationActive={false}
        />
        <ReferenceDot
          x={operating.recall}
          y={operating.precision}
          r={6}
          fill={COLORS.fraud}
          stroke="#fff"
          strokeWidth={2}
        />
      </LineChart>
    </ChartFigure>
  );
}
