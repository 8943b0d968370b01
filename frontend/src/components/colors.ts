// Chart colours, matching the CSS variables in styles.css.
export const COLORS = {
  accent: "#4f46e5",
  fraud: "#e0475b",
  legit: "#1f9e89",
  unlabeled: "#64748b",
  grid: "#e6e9ef",
  axis: "#6b7588",
  baseline: "#9aa3b2",
  fraudSoft: "#f7c6cd",
  fraudLine: "#e99aa6",
  latency: "#969cf5", // light enough for the dark percentile markers to read on top of it
  marker: "#0f5f55",
};

// Shared chart parts, so every chart reads the same and is styled in one place.
export const AXIS_TICK = { fill: COLORS.axis, fontSize: 12 };

export function bottomLabel(value: string) {
  return { value, position: "insideBottom" as const, offset: -14, fill: COLORS.axis, fontSize: 12 };
}

export const ACCENT_LINE = {
  stroke: COLORS.accent,
  strokeWidth: 2.25,
  dot: { r: 4, fill: COLORS.accent, strokeWidth: 0 },
  activeDot: { r: 6 },
  connectNulls: true,
  isAnimationActive: false,
};

/** Every chart's figure height, the legend included; loading and empty states take the same height. */
export const CHART_HEIGHT = 300;
/** The HTML legend above the plot (its height is also set in styles.css). */
export const LEGEND_HEIGHT = 28;

/** Props every chart's plot shares: it fills the figure under the legend; the figure carries the summary. */
export const PLOT_PROPS = {
  responsive: true,
  style: { width: "100%", height: CHART_HEIGHT - LEGEND_HEIGHT },
  accessibilityLayer: false,
};

export const CHART_MARGIN = { top: 8, right: 16, bottom: 22, left: 4 };

export const GRID = { stroke: COLORS.grid, strokeDasharray: "3 3" };

/** Ticks of an axis over 0..1 (recall, precision, AUPRC). */
export const UNIT_TICKS: readonly number[] = [0, 0.2, 0.4, 0.6, 0.8, 1];

export const TOOLTIP_STYLE = { borderRadius: 8, borderColor: COLORS.grid, fontSize: 13 };

/** The hovered bar's band: the accent colour at 6% opacity. */
export const BAR_CURSOR = { fill: "rgba(79, 70, 229, 0.06)" };
