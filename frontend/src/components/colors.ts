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
