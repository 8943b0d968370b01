// How every chart looks: its colours, sizes and the props its plot, grid, axes and tooltip share, so every chart
// reads the same and is styled in one place. The colours match the CSS variables in global.css.

// --- colours, each named for what it marks ------------------------------------------------------------

/** The model's own series (AUPRC, the precision–recall curve, the largest PSI) and the threshold line. */
export const ACCENT_COLOR = "#4f46e5";
/** Fraudulent rows; also the operating point on the PR curve, the PSI flag and the p99 marker. */
export const FRAUD_COLOR = "#e0475b";
/** Legitimate rows; also the ROC-AUC line. */
export const LEGIT_COLOR = "#1f9e89";
/** Rows of a file without labels. */
export const UNLABELED_COLOR = "#64748b";
/** What a random model would score (the prevalence). */
export const BASELINE_COLOR = "#9aa3b2";
/** Grid lines, axis lines and the tooltip's border. */
export const GRID_COLOR = "#e6e9ef";
/** Tick and axis-label text. */
export const AXIS_TEXT_COLOR = "#6b7588";
/** The bars counting drifted features: a soft fraud red, with a stronger edge. */
export const DRIFTED_BAR_FILL = "#f7c6cd";
export const DRIFTED_BAR_STROKE = "#e99aa6";
/** The latency histogram's bars: light enough for the dark percentile markers to read on top of them. */
export const LATENCY_BAR_COLOR = "#969cf5";
/** The median (p50) marker on the latency histogram. */
export const MEDIAN_MARKER_COLOR = "#0f5f55";

// --- sizes --------------------------------------------------------------------------------------------

/** Every chart's figure height, the legend included; loading and empty states take the same height. */
export const CHART_HEIGHT = 300;
/** The HTML legend above the plot (its height is also set in shared/charts.css). */
export const LEGEND_HEIGHT = 28;

/** Props every chart's plot shares: it fills the figure under the legend; the figure carries the summary. */
export const PLOT_PROPS = {
  responsive: true,
  style: { width: "100%", height: CHART_HEIGHT - LEGEND_HEIGHT },
  accessibilityLayer: false,
};

export const CHART_MARGIN = { top: 8, right: 16, bottom: 22, left: 4 };

// --- shared parts -------------------------------------------------------------------------------------

/** The text style of an axis's ticks. */
export const AXIS_TICK_STYLE = { fill: AXIS_TEXT_COLOR, fontSize: 12 };

/** The x axis's title, inside the plot's bottom margin. */
export function xAxisLabel(value: string) {
  return { value, position: "insideBottom" as const, offset: -14, fill: AXIS_TEXT_COLOR, fontSize: 12 };
}

/** A y axis's title, turned to run up the axis inside its tick area (`right` for a second axis on the right). */
export function yAxisLabel(value: string, side: "left" | "right" = "left") {
  return {
    value,
    angle: side === "left" ? -90 : 90,
    position: side === "left" ? ("insideLeft" as const) : ("insideRight" as const),
    style: { textAnchor: "middle" as const },
    fill: AXIS_TEXT_COLOR,
    fontSize: 12,
  };
}

/** Ticks of an axis over 0..1 (recall, precision, AUPRC). */
export const ZERO_TO_ONE_TICKS: readonly number[] = [0, 0.2, 0.4, 0.6, 0.8, 1];

/** The background grid's lines. */
export const GRID_LINE_PROPS = { stroke: GRID_COLOR, strokeDasharray: "3 3" };

/** A chart's main series: the accent line with its dots. */
export const PRIMARY_LINE_PROPS = {
  stroke: ACCENT_COLOR,
  strokeWidth: 2.25,
  dot: { r: 4, fill: ACCENT_COLOR, strokeWidth: 0 },
  activeDot: { r: 6 },
  connectNulls: true,
  isAnimationActive: false,
};

export const TOOLTIP_STYLE = { borderRadius: 8, borderColor: GRID_COLOR, fontSize: 13 };

/** The band behind the hovered bar: the accent colour at 6% opacity. */
export const BAR_HOVER_CURSOR = { fill: "rgba(79, 70, 229, 0.06)" };
