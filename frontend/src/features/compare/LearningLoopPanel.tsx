import { CartesianGrid, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { ChartFigure } from "../../shared/ChartFigure";
import { AXIS_TICK_STYLE, BASELINE_COLOR, CHART_MARGIN, GRID_COLOR, GRID_LINE_PROPS, LEGIT_COLOR, PLOT_PROPS, PRIMARY_LINE_PROPS, TOOLTIP_STYLE, xAxisLabel, yAxisLabel } from "../../shared/chartStyle";
import { fmtInt, fmtPercent, fmtScore, shortVersion } from "../../shared/format";
import { Card, Notice, Skeleton } from "../../shared/ui";
import { useLearningLoop, type LearningLoop } from "./compareApi";
import "./compare.css";

/** Did the retrain help? Each champion's AUPRC on the holdout (evaluation batches) across the trainings. */
export function LearningLoopPanel() {
  const loop = useLearningLoop();
  return (
    <Card
      id="learning-loop"
      title="Learning loop"
      subtitle={
        loop.data && loop.data.rows
          ? `Holdout: ${fmtInt(loop.data.rows)} labeled rows of evaluation batches, never trained on (random model ${fmtPercent(loop.data.prevalence)})`
          : "Each champion's AUPRC on the holdout, training after training"
      }
    >
      {loop.isPending ? <Skeleton height={300} /> : null}
      {loop.isError ? <Notice tone="danger" title="Could not load the learning loop">{loop.error.message}</Notice> : null}
      {loop.data ? <LoopBody loop={loop.data} /> : null}
    </Card>
  );
}

function LoopBody({ loop }: { loop: LearningLoop }) {
  if (!loop.points.length) {
    return <Notice tone="info" title="No training recorded yet">Train a model (or run `fraudops scenario`) to see the loop.</Notice>;
  }
  if (!loop.batch_ids.length) {
    return <Notice tone="info" title="No holdout yet">Upload a labeled batch with role evaluation (demo mode's holdout is one) to measure every champion on it.</Notice>;
  }
  const data = loop.points.map((p) => ({ step: p.step, champion: p.auprc, candidate: p.candidate_auprc }));
  const summary =
    "Holdout AUPRC after each training: " +
    loop.points.map((p) => `step ${p.step} champion ${fmtScore(p.auprc)}${p.promoted ? " (new)" : ""}`).join(", ") +
    ".";
  return (
    <>
      <ChartFigure
        summary={summary}
        testId="learning-loop-chart"
        legend={[
          { label: "Champion", color: PRIMARY_LINE_PROPS.stroke, kind: "line" },
          { label: "Candidate", color: LEGIT_COLOR, kind: "dot" },
          ...(loop.prevalence !== null ? [{ label: `Random (${fmtPercent(loop.prevalence)})`, color: BASELINE_COLOR, kind: "dashed" as const }] : []),
        ]}
      >
        <LineChart {...PLOT_PROPS} data={data} margin={CHART_MARGIN}>
          <CartesianGrid {...GRID_LINE_PROPS} />
          <XAxis dataKey="step" type="number" domain={["dataMin", "dataMax"]} allowDecimals={false} tick={AXIS_TICK_STYLE} stroke={GRID_COLOR} label={xAxisLabel("Training (0: the first model)")} />
          <YAxis type="number" domain={[0, 1]} tick={AXIS_TICK_STYLE} stroke={GRID_COLOR} width={44} label={yAxisLabel("Holdout AUPRC")} />
          <Tooltip formatter={(value) => fmtScore(Number(value))} labelFormatter={(label) => `Training ${String(label)}`} contentStyle={TOOLTIP_STYLE} />
          {loop.prevalence !== null ? <ReferenceLine y={loop.prevalence} stroke={BASELINE_COLOR} strokeDasharray="6 4" /> : null}
          <Line name="Champion" dataKey="champion" type="linear" {...PRIMARY_LINE_PROPS} />
          <Line name="Candidate" dataKey="candidate" type="linear" stroke="transparent" dot={{ r: 5, fill: LEGIT_COLOR, strokeWidth: 0 }} isAnimationActive={false} />
        </LineChart>
      </ChartFigure>
      <div className="table-scroll">
        <table className="compare-table" data-testid="learning-loop-table">
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Trained on</th>
              <th scope="col">Candidate</th>
              <th scope="col">Gate</th>
              <th scope="col">Champion holdout AUPRC</th>
              <th scope="col">Recall, top {fmtInt(loop.budget_k)}</th>
            </tr>
          </thead>
          <tbody>
            {loop.points.map((p) => (
              <tr key={p.step}>
                <td className="num">{p.step}</td>
                <td>{p.trained_on.map((name) => name.replace(/\.csv$/, "")).join(" + ") || "—"}</td>
                <td title={p.version}>
                  {shortVersion(p.version)} <span className="muted">{fmtScore(p.candidate_auprc)}</span>
                </td>
                <td>{p.promoted ? "promoted" : p.promoted === false ? "kept champion" : "—"}</td>
                <td className="num">{fmtScore(p.auprc)}</td>
                <td className="num">{fmtScore(p.recall_at_budget)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {loop.missing.length ? (
        <p className="muted">Not scored on the holdout yet: {loop.missing.map(shortVersion).join(", ")}. Score the holdout with them from its batch page.</p>
      ) : null}
    </>
  );
}
