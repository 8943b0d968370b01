import { fmtThreshold } from "../../shared/format";
import { Skeleton } from "../../shared/ui";
import { fmtFeatureValue, fmtSigned, reasonsCaption, type Band, type Bands, type Reasons } from "./decisionData";

const BAND_LABEL: Record<Band, string> = { approve: "Approve", review: "Review", decline: "Decline" };

function bandRange(band: Band, bands: Bands | null): string {
  if (!bands) return `${BAND_LABEL[band]} band`;
  const review = fmtThreshold(bands.review_at);
  const decline = fmtThreshold(bands.decline_at);
  if (band === "approve") return `Approve band: score below ${review}`;
  if (band === "review") return `Review band: score from ${review} to below ${decline}`;
  return `Decline band: score ${decline} or more`;
}

/** The decision band of a row: colour and its name, never colour alone. */
export function BandBadge({ band, bands = null }: { band: Band | null; bands?: Bands | null }) {
  if (!band) return <span className="muted">—</span>;
  return (
    <span className={`badge band band-${band}`} title={bandRange(band, bands)}>
      <span className="band-mark" aria-hidden="true" />
      {BAND_LABEL[band]}
    </span>
  );
}

/** The batch's bands in force, as a strip of three ranges next to the metric cards. */
export function BandsStrip({ bands, loading }: { bands: Bands | null; loading: boolean }) {
  return (
    <div className="bands-strip" data-testid="bands">
      <span className="bands-label">Decision bands</span>
      {loading ? (
        <Skeleton height={22} width={360} />
      ) : bands ? (
        <ul className="bands-list" aria-label="Decision bands by fraud probability">
          <li>
            <BandBadge band="approve" bands={bands} /> <span className="mono">&lt; {fmtThreshold(bands.review_at)}</span>
          </li>
          <li>
            <BandBadge band="review" bands={bands} /> <span className="mono">≥ {fmtThreshold(bands.review_at)}</span>
          </li>
          <li>
            <BandBadge band="decline" bands={bands} /> <span className="mono">≥ {fmtThreshold(bands.decline_at)}</span>
          </li>
        </ul>
      ) : (
        <span className="muted small">not recorded for this batch (scored before bands existed)</span>
      )}
    </div>
  );
}

/** The features that moved a row's score most, as a diverging bar list around zero. */
export function ReasonsList({ reasons, id }: { reasons: Reasons; id?: string }) {
  const largest = Math.max(...reasons.top.map((r) => Math.abs(r.contribution)), 1e-9);
  return (
    <div className="reasons" id={id} data-testid="reasons">
      <p className="reasons-title">
        Features that moved this score most <span className="muted">· bars to the right pushed it toward fraud, to the left toward legitimate</span>
      </p>
      <ul className="reasons-list">
        {reasons.top.map((r) => {
          const up = r.contribution >= 0;
          const width = `${(Math.abs(r.contribution) / largest) * 50}%`;
          return (
            <li key={r.feature} className="reason">
              <span className="reason-feature mono">{r.feature}</span>
              <span className="reason-value mono muted" title={`${r.feature} is ${fmtFeatureValue(r.value)} in this row`}>
                = {fmtFeatureValue(r.value)}
              </span>
              <span className="reason-track" aria-hidden="true">
                <span className={`reason-fill ${up ? "is-up" : "is-down"}`} style={up ? { left: "50%", width } : { right: "50%", width }} />
              </span>
              <span className={`reason-contribution mono ${up ? "is-up" : "is-down"}`}>
                {fmtSigned(r.contribution)}
                <span className="sr-only">{up ? " toward fraud" : " toward legitimate"}</span>
              </span>
            </li>
          );
        })}
      </ul>
      <p className="reasons-caption" data-testid="reasons-caption">
        {reasonsCaption(reasons.method)}
      </p>
      <p className="reasons-method">
        Method: <span className="mono">{reasons.method}</span>
      </p>
    </div>
  );
}
