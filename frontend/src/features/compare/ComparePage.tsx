import { useModels } from "../../api/queries";
import { navigate } from "../../router";
import { fmtInt, fmtPercent, shortVersion } from "../../shared/format";
import { Card, Notice, Skeleton } from "../../shared/ui";
import { useComparison, type CompareQuery } from "./compareApi";
import { LearningLoopPanel } from "./LearningLoopPanel";
import { OverlaidPrChart } from "./OverlaidPrChart";
import { PairDetails } from "./PairDetails";
import { VersionsTable } from "./VersionsTable";
import "./compare.css";

const MAX_VERSIONS = 4;

/** Model versions side by side on the same labeled rows of some batches (or every evaluation batch). */
export function ComparePage({ query }: { query: CompareQuery }) {
  const models = useModels();
  const comparison = useComparison(query);
  const where = query.role ? "every evaluation batch (the holdout)" : `batch${query.batchIds.length > 1 ? "es" : ""} ${query.batchIds.map((id) => `#${id}`).join(", ")}`;

  const toggle = (version: string) => {
    const versions = query.versions.includes(version) ? query.versions.filter((v) => v !== version) : [...query.versions, version].slice(0, MAX_VERSIONS);
    navigate({ page: "compare", ...query, versions });
  };

  return (
    <div className="page compare-page">
      <h1 tabIndex={-1}>Compare model versions</h1>
      <p className="lead">
        On {where}: every version scored the same labeled rows. Pick up to {MAX_VERSIONS} versions; the first one picked is the baseline the others are measured against.
      </p>
      <Card id="compare-versions" title="Versions">
        {models.isPending ? (
          <Skeleton height={60} />
        ) : (
          <fieldset className="version-picker">
            <legend className="visually-hidden">Versions to compare</legend>
            {(models.data?.data ?? []).map((m) => (
              <label key={m.version} title={m.version}>
                <input type="checkbox" checked={query.versions.includes(m.version)} onChange={() => toggle(m.version)} />
                {shortVersion(m.version)} <span className="muted">{m.kind}{m.is_champion ? " · champion" : m.promoted === false ? " · rejected" : ""}</span>
              </label>
            ))}
          </fieldset>
        )}
      </Card>
      {comparison.isError ? (
        <Notice tone="warning" title="No comparison yet">
          {comparison.error.message}
        </Notice>
      ) : null}
      {query.versions.length === 0 ? <Notice tone="info" title="Pick a version to start" /> : null}
      {comparison.isFetching && !comparison.data ? <Skeleton height={300} /> : null}
      {comparison.data ? (
        <>
          <Card
            id="compare-figures"
            title="Side by side"
            subtitle={`${fmtInt(comparison.data.rows)} labeled rows, ${fmtInt(comparison.data.frauds)} frauds (${fmtPercent(comparison.data.prevalence)})`}
          >
            <VersionsTable comparison={comparison.data} />
          </Card>
          <Card id="compare-curves" title="Precision–recall, overlaid">
            <OverlaidPrChart versions={comparison.data.versions} prevalence={comparison.data.prevalence} />
          </Card>
          {comparison.data.pairs.map((pair) => (
            <Card key={pair.b} id={`compare-pair-${shortVersion(pair.b)}`} title={`${shortVersion(pair.a)} against ${shortVersion(pair.b)}`}>
              <PairDetails pair={pair} />
            </Card>
          ))}
        </>
      ) : null}
      <LearningLoopPanel />
    </div>
  );
}
