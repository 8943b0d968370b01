import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import { ChartFigure } from "../../shared/ChartFigure";
import { ACCENT_COLOR, AXIS_TICK_STYLE, BASELINE_COLOR, CHART_MARGIN, GRID_COLOR, GRID_LINE_PROPS, PLOT_PROPS, TOOLTIP_STYLE, xAxisLabel, yAxisLabel, ZERO_TO_ONE_TICKS } from "../../shared/chartStyle";
import { fmtScore } from "../../shared/format";
import type { CardCalibration } from "./modelCard";

/** The champion's reliability curve: in each score bin, the observed fraud rate against the mean score.
 * On the diagonal, a score of 0.3 means three frauds in ten. */
export function ReliabilityChart({ calibration }: { calibration: CardCalibration }) {
  const points = calibration.reliability.map((b) => ({ predicted: b.mean_predicted, observed: b.fraud_rate, rows: b.rows }));
  const summary =
    `Reliability of the served scores (${calibration.method} calibration): observed fraud rate against mean score in ` +
    `${points.length} bins; Brier score ${fmtScore(calibration.brier)} (before calibration ${fmtScore(calibration.brier_before)}).`;
  return (
    <ChartFigure
      summary={summary}
      testId="reliability-chart"
      legend={[
        { label: "Observed fraud rate", color: ACCENT_COLOR, kind: "line" },
        { label: "Perfectly calibrated", color: BASELINE_COLOR, kind: "dashed" },
      ]}
    >
      <LineChart {...PLOT_PROPS} data={points} margin={CHART_MARGIN}>
        <CartesianGrid {...GRID_LINE_PROPS} />
        <XAxis dataKey="predicted" type="number" domain={[0, 1]} ticks={ZERO_TO_ONE_TICKS} tick={AXIS_TICK_STYLE} stroke={GRID_COLOR} label={xAxisLabel("Mean score in the bin")} />
        <YAxis type="number" domain={[0, 1]} ticks={ZERO_TO_ONE_TICKS} tick={AXIS_TICK_STYLE} stroke={GRID_COLOR} label={yAxisLabel("Observed fraud rate")} />
        <Tooltip contentStyle={TOOLTIP_STYLE} formatter={(value) => fmtScore(Number(value))} labelFormatter={(label) => `mean score ${fmtScore(Number(label))}`} />
        <Line data={[{ predicted: 0, observed: 0 }, { predicted: 1, observed: 1 }]} dataKey="observed" stroke={BASELINE_COLOR} strokeDasharray="4 4" dot={false} isAnimationActive={false} legendType="none" />
        <Line dataKey="observed" stroke={ACCENT_COLOR} dot isAnimationActive={false} />
      </LineChart>
    </ChartFigure>
  );
}
