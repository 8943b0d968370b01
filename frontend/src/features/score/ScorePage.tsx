import { useId, useState } from "react";
import { api, must } from "../../api/client";
import type { components } from "../../client/schema";
import { fmtProbability, fmtThreshold, shortVersion } from "../../shared/format";
import { Card, Notice } from "../../shared/ui";
import { reasonsOf } from "../batch/decisionData";
import { BandBadge, ReasonsList } from "../batch/Reasons";
import { FEATURES, parseTransaction, type Feature, type Transaction } from "./parseTransaction";
import "./score.css";

type Prediction = components["schemas"]["PredictionOut"];

const EXAMPLE = `{"Time": 40000, "V1": -2.3, "V2": 1.9, "V3": -1.6, "V4": 3.9, "V5": -0.5, "V6": -1.4, "V7": -2.1, "V8": 0.7, "V9": -1.3, "V10": -3.8, "V11": 2.6, "V12": -5.1, "V13": 0.2, "V14": -6.9, "V15": 0.1, "V16": -2.9, "V17": -4.8, "V18": -1.2, "V19": 0.3, "V20": 0.4, "V21": 0.5, "V22": 0.1, "V23": -0.2, "V24": 0.1, "V25": 0.2, "V26": 0.1, "V27": 0.3, "V28": 0.1, "Amount": 1.0}`;

type PredictBody = components["schemas"]["TransactionIn"];

async function score(transaction: Transaction): Promise<Prediction> {
  // `id` and `Class` are optional on the server (the generated type lists them as required): sent without them
  const body = transaction as unknown as PredictBody;
  const answer = await must(api.POST("/api/predict", { params: { query: { explain: true } }, body }));
  return Array.isArray(answer) ? (answer[0] as Prediction) : (answer as Prediction);
}

/** Paste or type one transaction and see its score, band and reasons (it is logged like any live decision). */
export function ScorePage() {
  const ids = { paste: useId() };
  const [text, setText] = useState("");
  const [fields, setFields] = useState<Record<Feature, string>>(() => Object.fromEntries(FEATURES.map((f) => [f, ""])) as Record<Feature, string>);
  const [problem, setProblem] = useState<string | null>(null);
  const [note, setNote] = useState<string | undefined>();
  const [result, setResult] = useState<Prediction | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (transaction: Transaction | null, error?: string) => {
    setResult(null);
    if (!transaction) {
      setProblem(error ?? "nothing to score");
      return;
    }
    setProblem(null);
    setBusy(true);
    try {
      setResult(await score(transaction));
    } catch (e) {
      setProblem((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const fromPaste = () => {
    const parsed = parseTransaction(text);
    setNote(parsed.ok ? parsed.note : undefined);
    if (parsed.ok) {
      setFields(Object.fromEntries(FEATURES.map((f) => [f, String(parsed.transaction[f])])) as Record<Feature, string>);
      void submit(parsed.transaction);
    } else void submit(null, parsed.error);
  };
  const fromFields = () => {
    const parsed = parseTransaction(JSON.stringify(fields));
    setNote(undefined);
    if (parsed.ok) void submit(parsed.transaction);
    else void submit(null, parsed.error);
  };
  const reasons = result ? reasonsOf(result) : null;

  return (
    <div className="page score-page">
      <header className="page-header">
        <div>
          <h1 tabIndex={-1}>Score one transaction</h1>
          <p className="lede">Paste a CSV line or a JSON object, or type the fields, and see the score, the band and the features behind it.</p>
        </div>
      </header>
      <Card id="score-paste" title="Paste a transaction" subtitle="A CSV line (Time, V1…V28, Amount, with or without the Class), a header line and a line, or a JSON object.">
        <form
          className="score-form"
          onSubmit={(e) => {
            e.preventDefault();
            fromPaste();
          }}
        >
          <label htmlFor={ids.paste} className="sr-only">
            Transaction
          </label>
          <textarea id={ids.paste} className="score-paste" rows={4} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} placeholder="0,-1.36,-0.07,2.54,1.38,…,149.62" />
          <div className="score-actions">
            <button type="submit" className="btn btn-primary" disabled={busy}>
              Score it
            </button>
            <button type="button" className="btn btn-ghost" onClick={() => setText(EXAMPLE)}>
              Paste an example
            </button>
          </div>
        </form>
      </Card>
      {problem ? (
        <Notice tone="danger" title="Could not score this transaction">
          {problem}
        </Notice>
      ) : null}
      {result ? (
        <Card id="score-result" title="Decision" subtitle={note}>
          <dl className="score-facts" data-testid="score-facts">
            <div>
              <dt>Fraud probability</dt>
              <dd className="mono score-value">{fmtProbability(result.fraud_probability)}</dd>
            </div>
            <div>
              <dt>Band</dt>
              <dd>
                <BandBadge band={result.band} bands={{ review_at: result.bands.review_at ?? 0, decline_at: result.bands.decline_at ?? 1 }} />
              </dd>
            </div>
            <div>
              <dt>Bounds</dt>
              <dd className="mono">
                review ≥ {fmtThreshold(result.bands.review_at)} · decline ≥ {fmtThreshold(result.bands.decline_at)}
              </dd>
            </div>
            <div>
              <dt>Model</dt>
              <dd className="mono" title={result.model_version}>
                {shortVersion(result.model_version)}
              </dd>
            </div>
            <div>
              <dt>Request id</dt>
              <dd className="mono small">{result.request_id}</dd>
            </div>
          </dl>
          {reasons ? <ReasonsList reasons={reasons} id="score-reasons" /> : null}
        </Card>
      ) : null}
      <Card id="score-fields" title="Or type the fields">
        <form
          className="score-fields"
          onSubmit={(e) => {
            e.preventDefault();
            fromFields();
          }}
        >
          <div className="field-grid">
            {FEATURES.map((f) => (
              <label key={f} className="field">
                <span className="mono">{f}</span>
                <input inputMode="decimal" value={fields[f]} onChange={(e) => setFields({ ...fields, [f]: e.target.value })} />
              </label>
            ))}
          </div>
          <button type="submit" className="btn btn-secondary" disabled={busy}>
            Score these fields
          </button>
        </form>
      </Card>
    </div>
  );
}
