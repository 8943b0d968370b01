import { useId, useState } from "react";
import type { Batch } from "../../api/client";
import { useModels } from "../../api/queries";
import { href } from "../../router";
import { fmtInt, fmtScore, shortVersion } from "../../shared/format";
import { Card, Notice } from "../../shared/ui";
import { readToken, saveToken, useScoreWith, useScorings } from "./compareApi";
import "./compare.css";

/** "Score with…": score this stored batch again with another model version (admin), follow the progress, and
 * open the comparison. The batch's own decisions stay as they are. */
export function ScoreWithPanel({ batch, duplicate = false }: { batch: Batch; duplicate?: boolean }) {
  const ids = { version: useId(), token: useId() };
  const models = useModels();
  const scorings = useScorings(batch.id);
  const others = (models.data?.data ?? []).filter((m) => m.version !== batch.model_version);
  const champion = models.data?.data.find((m) => m.is_champion)?.version;
  const [picked, setPicked] = useState<string>("");
  const [token, setToken] = useState(readToken);
  const score = useScoreWith(batch.id, token);
  const version = picked || (champion && champion !== batch.model_version ? champion : (others[0]?.version ?? ""));
  const done = (scorings.data?.data ?? []).filter((s) => s.status === "done").map((s) => s.model_version);
  const compareHref = href({ page: "compare", batchIds: [batch.id], versions: [batch.model_version, ...done].slice(0, 4), role: null });

  return (
    <Card id="score-with" title="Score with another model version" subtitle={`Scored at upload by ${shortVersion(batch.model_version)}; those decisions never change.`}>
      {duplicate && champion && champion !== batch.model_version ? (
        <Notice tone="info" title="This file was stored before">
          It was scored by {shortVersion(batch.model_version)}; the model serving now is {shortVersion(champion)}. Score the stored batch with it below instead of reading the old answer.
        </Notice>
      ) : null}
      {others.length ? (
        <form
          className="score-with"
          onSubmit={(e) => {
            e.preventDefault();
            saveToken(token);
            score.mutate(version);
          }}
        >
          <label htmlFor={ids.version}>
            Model version
            <select id={ids.version} value={version} onChange={(e) => setPicked(e.target.value)}>
              {others.map((m) => (
                <option key={m.version} value={m.version}>
                  {shortVersion(m.version)} ({m.kind}{m.is_champion ? ", champion" : m.promoted === false ? ", rejected" : ""})
                </option>
              ))}
            </select>
          </label>
          <label htmlFor={ids.token}>
            Admin token
            <input id={ids.token} type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} />
          </label>
          <button type="submit" className="button" disabled={!version || !token || score.isPending}>
            Score with {version ? shortVersion(version) : "…"}
          </button>
        </form>
      ) : (
        <p className="muted">No other model version is registered yet.</p>
      )}
      {score.isError ? <Notice tone="danger" title="Not started">{score.error.message}</Notice> : null}
      <ul className="scoring-list" data-testid="scorings">
        {(scorings.data?.data ?? []).map((s) => (
          <li key={s.id}>
            <strong title={s.model_version}>{shortVersion(s.model_version)}</strong>{" "}
            {s.status === "done" ? (
              <>done · AUPRC {fmtScore(s.metrics?.auprc)}</>
            ) : s.status === "failed" ? (
              <>failed: {s.error}</>
            ) : (
              <>
                {s.status} <progress max={s.row_count} value={s.rows_done} /> {fmtInt(s.rows_done)} / {fmtInt(s.row_count)} rows
              </>
            )}
          </li>
        ))}
      </ul>
      {done.length ? (
        <p>
          <a href={compareHref}>Compare the versions on this batch →</a>
        </p>
      ) : null}
    </Card>
  );
}
