import { Bar, CartesianGrid, ComposedChart, Line, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { href } from "../../router";
import { ChartFigure } from "../../shared/ChartFigure";
import { ACCENT_COLOR, AXIS_TICK_STYLE, BAR_HOVER_CURSOR, DRIFTED_BAR_FILL, DRIFTED_BAR_STROKE, FRAUD_COLOR, GRID_COLOR, GRID_LINE_PROPS, PLOT_PROPS, PRIMARY_LINE_PROPS, TOOLTIP_STYLE, xAxisLabel, yAxisLabel } from "../../shared/chartStyle";
import { fmtDateTime, fmtInt } from "../../shared/format";
import { driftTally, fmtPsi, psiAxis, PSI_FLAG, type DriftTrendRow } from "./monitoringData";
import "./monitoring.css";

function psiTick(value: number): string {
  return value >= 1 ? String(value) : String(Number(value.toPrecision(1)));
}

/** Per batch, in upload order: the largest feature PSI (log scale) and how many features drifted. */
export function DriftTrendChart({ rows }: { rows: DriftTrendRow[] }) {
  const { domain, ticks } = psiAxis(rows);
  const reported = rows.filter((r) => r.maxPsi !== null);
  const flagged = reported.filter((r) => (r.drifted ?? 0) > 0);
  const maxCount = Math.max(3, ...rows.map((r) => r.drifted ?? 0));
  const summary =
    `Drift of ${reported.length} batches in upload order: ${flagged.length} had at least one feature at PSI ${PSI_FLAG} or more.` +
    (reported.length ? ` The largest feature PSI per batch ranges from ${fmtPsi(Math.min(...reported.map((r) => r.maxPsi ?? 0)))} to ${fmtPsi(Math.max(...reported.map((r) => r.maxPsi ?? 0)))}.` : "");
  return (
    <ChartFigure
      summary={summary}
      legend={[
        { label: "Largest PSI", color: ACCENT_COLOR, kind: "line" },
        { label: "Drifted features", color: DRIFTED_BAR_FILL, kind: "box" },
        { label: `Flag (${PSI_FLAG})`, color: FRAUD_COLOR, kind: "dashed" },
      ]}
    >
      <ComposedChart {...PLOT_PROPS} data={rows} margin={{ top: 8, right: 4, bottom: 22, left: 4 }}>
        <CartesianGrid {...GRID_LINE_PROPS} vertical={false} yAxisId="psi" />
        <XAxis
          dataKey="key"
          tick={AXIS_TICK_STYLE}
          stroke={GRID_COLOR}
          interval="preserveStartEnd"
          minTickGap={8}
          label={xAxisLabel("Batch, in upload order")}
        />
        <YAxis
          yAxisId="psi"
          scale="log"
          domain={domain}
          ticks={ticks}
          allowDataOverflow
          tickFormatter={psiTick}
          tick={AXIS_TICK_STYLE}
          stroke={GRID_COLOR}
          width={58}
          label={yAxisLabel("Largest feature PSI (log)")}
        />
        <YAxis
          yAxisId="count"
          orientation="right"
          domain={[0, maxCount]}
          allowDecimals={false}
          tick={AXIS_TICK_STYLE}
          stroke={GRID_COLOR}
          width={42}
          label={yAxisLabel("Drifted features", "right")}
        />
        <Tooltip
          cursor={BAR_HOVER_CURSOR}
          labelFormatter={(_label, payload) => {
            const row = payload?.[0]?.payload as DriftTrendRow | undefined;
            return row ? `Batch #${row.id} · ${row.filename} · ${fmtDateTime(row.created_at)}` : "";
          }}
          formatter={(_value, name, item) => {
            const row = item.payload as DriftTrendRow;
            if (name === "Largest feature PSI") return [row.maxPsi === null ? "—" : `${fmtPsi(row.maxPsi)} (${row.maxFeature})`, name];
            return [row.drifted === null ? "—" : row.driftedFeatures.length ? `${row.drifted}: ${row.driftedFeatures.join(", ")}` : "0", name];
          }}
          contentStyle={{ ...TOOLTIP_STYLE, maxWidth: 320, whiteSpace: "normal" }}
        />
        <Bar yAxisId="count" dataKey="drifted" name="Drifted features" fill={DRIFTED_BAR_FILL} stroke={DRIFTED_BAR_STROKE} radius={[3, 3, 0, 0]} maxBarSize={36} isAnimationActive={false} />
        <ReferenceLine yAxisId="psi" y={PSI_FLAG} stroke={FRAUD_COLOR} strokeDasharray="5 4" strokeWidth={1.5} />
        <Line
          yAxisId="psi"
          name="Largest feature PSI"
          dataKey="psiPlot"
          {...PRIMARY_LINE_PROPS}
        />
      </ComposedChart>
    </ChartFigure>
  );
}

/** Which features drifted lately: the newest batch's, then a tally over the batches shown. */
export function RecentDrift({ rows }: { rows: DriftTrendRow[] }) {
  const reported = rows.filter((r) => r.maxPsi !== null);
  const latest = [...reported].reverse().find((r) => r.driftedFeatures.length > 0);
  const tally = driftTally(rows).slice(0, 6);
  if (!reported.length) {
    return <p className="muted">No batch has a drift report yet: batches scored from now on get one at upload.</p>;
  }
  if (!latest) {
    return (
      <p className="drift-headline is-stable" data-testid="recent-drift">
        No feature drifted in the last {fmtInt(reported.length)} batches.
      </p>
    );
  }
  return (
    <div className="recent-drift" data-testid="recent-drift">
      <p className="small muted">
        Most recently in{" "}
        <a href={href({ page: "batch", id: latest.id, duplicate: false })}>
          batch #{latest.id} · {latest.filename}
        </a>{" "}
        ({fmtDateTime(latest.created_at)})
      </p>
      <ul className="chip-list" aria-label={`Drifted in batch #${latest.id}`}>
        {latest.driftedFeatures.map((f) => (
          <li key={f} className="chip chip-drifted mono">
            {f}
          </li>
        ))}
      </ul>
      <p className="small muted recent-drift-sub">How often each drifted, over the last {fmtInt(reported.length)} batches</p>
      <ul className="tally-list">
        {tally.map((t) => (
          <li key={t.feature}>
            <span className="mono tally-name">{t.feature}</span>
            <span className="tally-bar" aria-hidden="true">
              <span style={{ width: `${(t.batches / reported.length) * 100}%` }} />
            </span>
            <span className="small tally-count">
              {fmtInt(t.batches)} of {fmtInt(reported.length)}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
