import { useState } from "react";
import { Bar, BarChart, CartesianGrid, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import type { LatencyHistogram, LogDrift, StreamRun } from "../../api/client";
import { useLogDrift } from "../../api/queries";
import { ChartFigure } from "../../shared/ChartFigure";
import { AXIS_TICK_STYLE, BAR_HOVER_CURSOR, CHART_HEIGHT, FRAUD_COLOR, GRID_COLOR, GRID_LINE_PROPS, LATENCY_BAR_COLOR, MEDIAN_MARKER_COLOR, PLOT_PROPS, TOOLTIP_STYLE, xAxisLabel, yAxisLabel } from "../../shared/chartStyle";
import { fmtDateTime, fmtInt, fmtPercent, fmtScore, plural } from "../../shared/format";
import { Skeleton } from "../../shared/ui";
import { DriftStatusBadge } from "./DriftCard";
import {
  fmtMs,
  fmtPsi,
  latencyBinKey,
  latencyRows,
  runWindow,
  settingsText,
  streamQuality,
  type LatencyRow,
} from "./monitoringData";
import "./monitoring.css";

/** The table of runs scrolls inside this height, so the panel below it never moves. */
export const RUNS_TABLE_HEIGHT = 40 * 5 + 41;

export function LatencyHistogramChart({ histogram, p50, p99 }: { histogram: LatencyHistogram; p50?: number; p99?: number }) {
  const rows = latencyRows(histogram);
  const total = rows.reduce((sum, r) => sum + r.count, 0);
  const first = rows[0];
  const last = rows[rows.length - 1];
  const p50Key = p50 === undefined ? undefined : latencyBinKey(rows, p50);
  const p99Key = p99 === undefined ? undefined : latencyBinKey(rows, p99);
  const labelOf = (key: string) => rows[Number(key)]?.label ?? key;
  const summary =
    first && last
      ? `Latency histogram of ${fmtInt(total)} answers in ${rows.length} log-spaced bins from ${fmtMs(first.start)} to ${fmtMs(last.end)} ms` +
        (p50 !== undefined && p99 !== undefined ? `; median ${fmtMs(p50)} ms, 99th percentile ${fmtMs(p99)} ms.` : ".")
      : "No latencies recorded.";
  return (
    <ChartFigure
      summary={summary}
      testId="latency-histogram"
      legend={[
        { label: "Answers", color: LATENCY_BAR_COLOR, kind: "box" },
        ...(p50 !== undefined ? [{ label: `p50 ${fmtMs(p50)} ms`, color: MEDIAN_MARKER_COLOR, kind: "dashed" as const }] : []),
        ...(p99 !== undefined ? [{ label: `p99 ${fmtMs(p99)} ms`, color: FRAUD_COLOR, kind: "dashed" as const }] : []),
      ]}
    >
      <BarChart {...PLOT_PROPS} data={rows} margin={{ top: 8, right: 12, bottom: 22, left: 4 }} barCategoryGap="12%">
        <CartesianGrid {...GRID_LINE_PROPS} vertical={false} />
        <XAxis
          dataKey="key"
          tickFormatter={labelOf}
          tick={AXIS_TICK_STYLE}
          stroke={GRID_COLOR}
          interval="preserveStartEnd"
          minTickGap={14}
          label={xAxisLabel("Latency in ms (bin lower edge, log bins)")}
        />
        <YAxis allowDecimals={false} tick={AXIS_TICK_STYLE} stroke={GRID_COLOR} width={52} label={yAxisLabel("Answers")} />
        <Tooltip
          cursor={BAR_HOVER_CURSOR}
          labelFormatter={(_label, payload) => {
            const row = payload?.[0]?.payload as LatencyRow | undefined;
            return row ? `${fmtMs(row.start)}–${fmtMs(row.end)} ms` : "";
          }}
          formatter={(value, _name, item) => {
            const row = item.payload as LatencyRow;
            return [`${fmtInt(Number(value))} answers · ${fmtPercent(row.share)}`, "Answers"];
          }}
          contentStyle={TOOLTIP_STYLE}
        />
        <Bar dataKey="count" name="Answers" fill={LATENCY_BAR_COLOR} radius={[3, 3, 0, 0]} isAnimationActive={false} />
        {p50Key !== undefined ? <ReferenceLine x={p50Key} stroke={MEDIAN_MARKER_COLOR} strokeDasharray="5 4" strokeWidth={2} /> : null}
        {p99Key !== undefined ? <ReferenceLine x={p99Key} stroke={FRAUD_COLOR} strokeDasharray="5 4" strokeWidth={2} /> : null}
      </BarChart>
    </ChartFigure>
  );
}

interface DriftState {
  data?: LogDrift;
  error?: string;
}

function RunDrift({ drift }: { drift: DriftState }) {
  if (drift.error) return <dd className="error-text">could not be computed: {drift.error}</dd>;
  if (!drift.data) {
    return (
      <dd>
        <Skeleton height={16} width="80%" />
      </dd>
    );
  }
  const report = drift.data.report;
  if (!report) return <dd className="muted">{drift.data.reason ?? "no report"}</dd>;
  const n = report.drifted_features.length;
  return (
    <dd data-testid="run-drift">
      {n ? (
        <>
          <strong className="drift-text-drifted">
            {n} drifted feature{n === 1 ? "" : "s"}
          </strong>
          : <span className="mono">{report.drifted_features.join(", ")}</span>
        </>
      ) : (
        "no feature drifted"
      )}
      {" · "}scores PSI <span className="mono">{fmtPsi(report.score.psi)}</span> <DriftStatusBadge status={report.score.status} />
      <span className="muted small"> ({fmtInt(report.rows)} logged predictions)</span>
    </dd>
  );
}

function RunDetail({ run, drift }: { run: StreamRun; drift: DriftState }) {
  const s = run.summary;
  const latency = s.latency_ms;
  const quality = streamQuality(s.metrics);
  const c = s.metrics?.confusion;
  const settings = settingsText(s.settings);
  return (
    <div className="run-detail grid-2 grid-wide-left" data-testid="run-detail">
      <div className="run-chart">
        <h3 className="subhead">
          Latency of run #{run.id} <span className="muted">· {run.source_file}</span>
        </h3>
        {s.histogram && s.histogram.counts.length ? (
          <LatencyHistogramChart histogram={s.histogram} p50={latency?.p50} p99={latency?.p99} />
        ) : (
          <div className="chart-empty" style={{ height: CHART_HEIGHT }}>
            <p className="muted">
              {run.target === "broker"
                ? "Published to the broker: workers answered these, so the producer timed no requests."
                : "No request was answered, so there are no latencies."}
            </p>
          </div>
        )}
      </div>
      <dl className="run-facts">
        <div>
          <dt>Latency, ms</dt>
          <dd className="latency-list">
            {latency
              ? (["p50", "p90", "p95", "p99", "mean", "max"] as const).map((k) => (
                  <span key={k} className="nowrap">
                    {k} <span className="mono">{fmtMs(latency[k])}</span>
                  </span>
                ))
              : "—"}
          </dd>
        </div>
        <div>
          <dt>Traffic</dt>
          <dd>
            {fmtInt(s.sent)} sent in {s.seconds.toFixed(1)} s ({fmtInt(Math.round(s.throughput_rps))} req/s), {fmtInt(s.answered)} answered,{" "}
            <span className={s.errors ? "error-text" : ""}>{plural(s.errors, "error")}</span>
          </dd>
        </div>
        <div>
          <dt>Against the labels</dt>
          <dd>
            {quality && c ? (
              <>
                precision {fmtScore(quality.precision)} · recall {fmtScore(quality.recall)} · F1 {fmtScore(quality.f1)}
                <span className="muted small">
                  {" "}
                  ({fmtInt(c.tp)} caught, {fmtInt(c.fn)} missed, {plural(c.fp, "false alarm")}, {plural(c.tn, "correct pass", "correct passes")}
                  {quality.note ? `; ${quality.note}` : ""})
                </span>
              </>
            ) : (
              <span className="muted">the replayed file had no labels</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Input drift during the run</dt>
          <RunDrift drift={drift} />
        </div>
        {settings ? (
          <div>
            <dt>Settings</dt>
            <dd>
              {settings} · {run.target === "api" ? "over HTTP" : "through the broker"}
            </dd>
          </div>
        ) : null}
      </dl>
    </div>
  );
}

export function streamCommand(origin: string): string {
  const api = /^https?:\/\//.test(origin) ? origin : "http://127.0.0.1:8000";
  return `fraudops stream data_splits/stream_1.csv --api ${api}`;
}

export function StreamRunsEmpty({ origin }: { origin: string }) {
  return (
    <div className="chart-empty streams-empty" data-testid="streams-empty">
      <div>
        <p className="strong">No stream run yet</p>
        <p className="muted">Replay a file as live transactions against this server; each run is recorded and shown here:</p>
        <pre className="command">
          <code>{streamCommand(origin)}</code>
        </pre>
        <p className="muted small">
          Add <code>--rate 200 --concurrency 8</code> for a fixed pace, or <code>--speed 60</code> to follow the file's Time column 60× faster.
        </p>
      </div>
    </div>
  );
}

interface PanelProps {
  runs: StreamRun[];
  selectedId: number | null;
  onSelect: (id: number) => void;
  drift: DriftState;
}

/** The runs, newest first, and the selected one's latency histogram and figures. */
export function StreamRunsPanel({ runs, selectedId, onSelect, drift }: PanelProps) {
  const selected = runs.find((r) => r.id === selectedId) ?? runs[0];
  return (
    <div className="streams">
      <div className="table-scroll runs-scroll" tabIndex={0} role="region" aria-label="Stream runs" style={{ maxHeight: RUNS_TABLE_HEIGHT }}>
        <table className="data-table runs-table">
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">File</th>
              <th scope="col">Target</th>
              <th scope="col" className="num">
                Sent / answered / errors
              </th>
              <th scope="col" className="num">req/s</th>
              <th scope="col" className="num">p50 ms</th>
              <th scope="col" className="num">p95 ms</th>
              <th scope="col" className="num">p99 ms</th>
              <th scope="col" className="num">Precision</th>
              <th scope="col" className="num">Recall</th>
              <th scope="col" className="num">F1</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => {
              const s = run.summary;
              const q = streamQuality(s.metrics);
              const isSelected = run.id === selected?.id;
              return (
                <tr key={run.id} className={isSelected ? "is-selected" : ""} onClick={() => onSelect(run.id)}>
                  <td>
                    {/* the row takes a click anywhere; the button makes the choice reachable by keyboard (its click bubbles to the row) */}
                    <button type="button" className="run-button" aria-pressed={isSelected}>
                      <span className="mono muted">#{run.id}</span> {fmtDateTime(run.created_at)}
                    </button>
                  </td>
                  <td>{run.source_file}</td>
                  <td>{run.target === "api" ? "API" : "broker"}</td>
                  <td className="num mono">
                    {fmtInt(s.sent)} / {fmtInt(s.answered)} / <span className={s.errors ? "error-text" : ""}>{fmtInt(s.errors)}</span>
                  </td>
                  <td className="num mono">{fmtInt(Math.round(s.throughput_rps))}</td>
                  <td className="num mono">{fmtMs(s.latency_ms?.p50)}</td>
                  <td className="num mono">{fmtMs(s.latency_ms?.p95)}</td>
                  <td className="num mono">{fmtMs(s.latency_ms?.p99)}</td>
                  <td className="num mono" title={q?.note ?? undefined}>
                    {fmtScore(q?.precision)}
                  </td>
                  <td className="num mono" title={q?.note ?? undefined}>
                    {fmtScore(q?.recall)}
                  </td>
                  <td className="num mono" title={q?.note ?? undefined}>
                    {fmtScore(q?.f1)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {selected ? <RunDetail run={selected} drift={drift} /> : null}
    </div>
  );
}

/** The dashboard's stream panel: the runs from the API, the newest selected at first. */
export function StreamRuns({ runs }: { runs: StreamRun[] }) {
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const selected = runs.find((r) => r.id === selectedId) ?? runs[0];
  const span = selected ? runWindow(selected) : null;
  const drift = useLogDrift(span?.since ?? null, span?.until ?? null, span !== null);
  return <StreamRunsPanel runs={runs} selectedId={selectedId} onSelect={setSelectedId} drift={{ data: drift.data, error: drift.error?.message }} />;
}
