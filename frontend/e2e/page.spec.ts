// The page in a real browser against the real backend on PostgreSQL (see global-setup.ts).
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { Page } from "@playwright/test";
import {
  dataFile,
  expect,
  fraudops,
  layoutShiftSinceBatchShown,
  layoutShiftTotal,
  recordLayoutShifts,
  screenshot,
  test,
} from "./fixtures";

interface BatchJson {
  id: number;
  row_count: number;
  flagged_count: number;
  fraud_count: number | null;
  threshold: number;
  metrics: { auprc: number; prevalence: number; roc_auc: number; precision: number; recall: number; f1: number; confusion: Record<string, number> } | null;
  bands: { review_at: number; decline_at: number } | null;
}

interface DriftJson {
  batch_id: number;
  report: {
    rows: number;
    features: { feature: string; psi: number; status: string }[];
    drifted_features: string[];
    score: { psi: number; status: string };
    method: string;
  } | null;
  reason: string | null;
}

interface RowJson {
  row_number: number;
  band: string | null;
  reasons: { method: string; top: { feature: string; value: number; contribution: number }[] } | null;
}

interface StreamRunJson {
  id: number;
  source_file: string;
  summary: {
    sent: number;
    answered: number;
    errors: number;
    latency_ms: { p50: number; p95: number; p99: number } | null;
    histogram: { edges_ms: number[]; counts: number[] } | null;
  };
}

const PHONE = { width: 390, height: 844 };
const fmt = (n: number) => new Intl.NumberFormat("en-US").format(n);

async function batchOnPage(page: Page): Promise<BatchJson> {
  await expect(page).toHaveURL(/#\/batches\/\d+/);
  const id = Number(/#\/batches\/(\d+)/.exec(page.url())?.[1]);
  const response = await page.request.get(`/api/batches/${id}`);
  expect(response.ok()).toBe(true);
  return (await response.json()) as BatchJson;
}

async function throttle(page: Page, conditions: { latency: number; uploadThroughput: number }) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, downloadThroughput: -1, ...conditions });
  return async () => {
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  };
}

async function noHorizontalScroll(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, "the page scrolls sideways").toBeLessThanOrEqual(0);
}

test("upload a labeled file: progress, then metrics, curve, histogram and table", async ({ page }) => {
  await recordLayoutShifts(page);
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1, name: "Score a batch of card transactions" })).toBeVisible();

  // A slow uplink (about 1 MB/s) so the progress bar is seen moving, as on a real network.
  const unthrottle = await throttle(page, { latency: 20, uploadThroughput: 1_000_000 });
  const chooser = page.waitForEvent("filechooser");
  await page.getByRole("button", { name: "Choose a file" }).click();
  await (await chooser).setFiles(dataFile("stream_3.csv"));
  const progress = page.getByRole("progressbar", { name: "Upload progress" });
  await expect(progress).toBeVisible();
  await expect
    .poll(async () => Number(await progress.getAttribute("aria-valuenow")), { timeout: 15_000 })
    .toBeGreaterThanOrEqual(20);
  await expect(page.getByTestId("upload-status")).toContainText("Uploading stream_3.csv");
  await screenshot(page, "01-upload-progress");
  await unthrottle();

  const batch = await batchOnPage(page);
  const m = batch.metrics;
  if (!m) throw new Error("a labeled batch has metrics");
  await expect(page.getByRole("heading", { level: 1, name: "stream_3.csv" })).toBeVisible();
  await expect(page.getByTestId("metric-auprc")).toContainText(m.auprc.toFixed(3));
  await expect(page.getByTestId("metric-auprc")).toContainText("prevalence");
  await expect(page.getByTestId("metric-roc_auc")).toContainText(m.roc_auc.toFixed(3));
  await expect(page.getByTestId("metric-precision")).toContainText(m.precision.toFixed(3));
  await expect(page.getByTestId("metric-recall")).toContainText(m.recall.toFixed(3));
  await expect(page.getByTestId("metric-f1")).toContainText(m.f1.toFixed(3));
  await expect(page.getByTestId("metric-threshold")).toContainText(batch.threshold.toFixed(4));
  await expect(page.getByTestId("confusion-tp")).toContainText(fmt(m.confusion.tp ?? -1));
  await expect(page.getByTestId("confusion-tn")).toContainText(fmt(m.confusion.tn ?? -1));

  // the curve and the histogram are drawn by the charting library from the server's points
  await expect(page.getByTestId("pr-curve").locator("path.recharts-curve").first()).toBeVisible();
  expect(await page.getByTestId("histogram").locator(".recharts-bar-rectangle").count()).toBeGreaterThan(0);

  // the table: paged, sortable, filterable
  const rows = page.getByTestId("rows").locator("tbody tr");
  await expect(rows).toHaveCount(20);
  await expect(page.getByTestId("rows")).toContainText(`Rows 1–20 of ${fmt(batch.row_count)}`);
  await page.getByRole("button", { name: /^Fraud probability/ }).click();
  await expect(page.getByRole("columnheader", { name: /Fraud probability/ })).toHaveAttribute("aria-sort", "descending");
  const top = (await (await page.request.get(`/api/batches/${batch.id}/predictions?sort=probability&limit=1`)).json()) as { data: { row_number: number }[] };
  await expect(rows.first().locator("td").first()).toHaveText(fmt(top.data[0]?.row_number ?? -1));
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByTestId("rows")).toContainText(`Rows 21–40 of ${fmt(batch.row_count)}`);

  await page.getByRole("button", { name: /^Flagged/ }).click();
  await expect(page.getByRole("button", { name: /^Flagged/ })).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByTestId("rows")).toContainText(`of ${fmt(batch.flagged_count)}`);
  await expect(rows.filter({ hasText: "Passed" })).toHaveCount(0);
  await page.getByRole("button", { name: /^Mistakes/ }).click();
  const mistakes = (m.confusion.fp ?? 0) + (m.confusion.fn ?? 0);
  await expect(rows.filter({ hasText: /Caught|Correct pass/ })).toHaveCount(0);
  if (mistakes) await expect(page.getByTestId("rows")).toContainText(`of ${fmt(mistakes)}`);

  // the CSV download carries every scored row
  await page.getByRole("button", { name: /^All/ }).click();
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download scored rows", exact: true }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`batch-${batch.id}-stream_3-scored.csv`);
  const text = readFileSync(await file.path(), "utf8").trimEnd().split(/\r?\n/);
  const features = ["Time", ...Array.from({ length: 28 }, (_, i) => `V${i + 1}`), "Amount"];
  expect(text[0]).toBe(["row_number", "id", "probability", "is_fraud", "band", "reasons", ...features, "Class"].join(","));
  expect(text.length).toBe(batch.row_count + 1);

  expect(await layoutShiftSinceBatchShown(page), "layout shift while results arrived").toBeLessThan(0.02);
  await page.getByRole("button", { name: /^All/ }).focus();
  await screenshot(page, "02-results-laptop");

  // the bands in force sit by the metric cards
  if (!batch.bands) throw new Error("a new batch records its bands");
  await expect(page.getByTestId("bands")).toContainText(`≥ ${batch.bands.review_at.toFixed(4)}`);
  await expect(page.getByTestId("bands")).toContainText(`≥ ${batch.bands.decline_at.toFixed(4)}`);

  // a flagged row: its band, and why it was flagged (the features behind its score), opened by its button
  await page.getByRole("button", { name: /^Flagged/ }).click();
  const flagged = (await (await page.request.get(`/api/batches/${batch.id}/predictions?filter=flagged&sort=probability&limit=1`)).json()) as { data: RowJson[] };
  const row = flagged.data[0];
  if (!row?.reasons || !row.band) throw new Error("a flagged row carries a band and reasons");
  await expect(rows.first().locator("td").first()).toHaveText(fmt(row.row_number));
  await expect(rows.first()).toContainText(row.band.charAt(0).toUpperCase() + row.band.slice(1));
  const why = page.getByRole("button", { name: `Why row ${fmt(row.row_number)} was flagged` });
  await expect(why).toHaveAttribute("aria-expanded", "false");
  await why.click();
  await expect(why).toHaveAttribute("aria-expanded", "true");
  const reasons = page.getByTestId("reasons");
  await expect(reasons.getByRole("listitem")).toHaveCount(row.reasons.top.length);
  const strongest = row.reasons.top[0];
  if (!strongest) throw new Error("reasons list at least one feature");
  await expect(reasons.getByRole("listitem").first()).toContainText(strongest.feature);
  const signed = `${strongest.contribution < 0 ? "\u2212" : "+"}${Math.abs(strongest.contribution).toFixed(3)}`;
  await expect(reasons.getByRole("listitem").first()).toContainText(signed);
  await expect(reasons).toContainText(row.reasons.method);

  // the drift card: every drifted feature named and marked in the table
  const drift = (await (await page.request.get(`/api/batches/${batch.id}/drift`)).json()) as DriftJson;
  if (!drift.report) throw new Error(`the batch has a drift report: ${drift.reason}`);
  const card = page.getByTestId("drift");
  await expect(card.getByTestId("drift-headline")).toHaveText(
    drift.report.drifted_features.length
      ? `${drift.report.drifted_features.length} of ${drift.report.features.length} features drifted`
      : `No feature drifted (${drift.report.features.length} compared)`,
  );
  await expect(card.getByRole("table").locator("tbody tr")).toHaveCount(Math.min(8, drift.report.features.length));
  for (const name of drift.report.drifted_features) {
    await expect(card.getByRole("list", { name: "Drifted features" })).toContainText(name);
  }
  await expect(card.locator("tr.is-drifted")).toHaveCount(Math.min(drift.report.drifted_features.length, 8));
  await expect(card).toContainText(drift.report.method);
  await why.focus();
  await screenshot(page, "11-results-drift-reasons");
});

test("a malformed file is rejected with its problems listed", async ({ page, consoleGuard }) => {
  // the browser itself logs the 422 answer; the page shows it as a list of problems
  consoleGuard.allow(/Failed to load resource: the server responded with a status of 422/);
  await page.goto("/");
  const lines = readFileSync(dataFile("stream_2.csv"), "utf8").split("\n").slice(0, 8);
  const header = (lines[0] ?? "").split(",").map((name) => name.replace(/^"|"$/g, ""));
  const broken = lines.map((line, i) => {
    const cells = line.split(",");
    if (i === 2) cells[header.indexOf("V3")] = "abc";
    if (i === 4) cells[header.indexOf("Amount")] = "-12.5";
    if (i === 5) cells[header.indexOf("Class")] = "7";
    return cells.join(",");
  });
  const chooser = page.waitForEvent("filechooser");
  await page.getByRole("button", { name: "Choose a file" }).click();
  await (await chooser).setFiles({ name: "broken.csv", mimeType: "text/csv", buffer: Buffer.from(broken.join("\n")) });

  const problems = page.getByTestId("problems");
  await expect(problems).toContainText("broken.csv was rejected: 3 problems found, nothing was stored.");
  const table = problems.getByRole("table");
  await expect(table.locator("tbody tr")).toHaveCount(3);
  await expect(table.locator("tbody tr").nth(0)).toContainText("3V3");
  await expect(table.locator("tbody tr").nth(0)).toContainText("not a number");
  await expect(table.locator("tbody tr").nth(1)).toContainText("5Amount");
  await expect(table.locator("tbody tr").nth(2)).toContainText("6Class");
  await expect(table.locator("tbody tr").nth(2)).toContainText("must be 0 or 1");
  await expect(page).toHaveURL(/#\/$|\/$/); // stayed on the upload page
  await screenshot(page, "03-rejected-file");
});

test.describe("at phone width", () => {
  test.use({ viewport: PHONE, isMobile: true, hasTouch: true });

  test("demo mode scores a prepared file in one click", async ({ page }) => {
    await recordLayoutShifts(page);
    await page.goto("/");
    const demo = page.getByTestId("demo");
    await expect(demo.getByRole("button", { name: "Score stream_1.csv" })).toBeVisible();
    await expect(demo.getByRole("button", { name: /^Score / })).toHaveCount(5);
    await noHorizontalScroll(page);
    await screenshot(page, "04-upload-page-phone");

    // the answer takes a moment on a slow phone network: the page says it is processing meanwhile
    const unthrottle = await throttle(page, { latency: 1500, uploadThroughput: -1 });
    await demo.getByRole("button", { name: "Score stream_1.csv" }).click();
    await expect(page.getByTestId("upload-status")).toContainText("Processing stream_1.csv");
    await expect(page.getByRole("progressbar", { name: "Processing on the server" })).toBeVisible();
    await page.getByTestId("upload-status").scrollIntoViewIfNeeded();
    await screenshot(page, "05-demo-processing-phone");
    await unthrottle();

    const batch = await batchOnPage(page);
    await expect(page.getByRole("heading", { level: 1, name: "stream_1.csv" })).toBeVisible();
    await expect(page.getByTestId("metric-auprc")).toContainText(batch.metrics?.auprc.toFixed(3) ?? "no metrics");
    await expect(page.getByTestId("pr-curve").locator("path.recharts-curve").first()).toBeVisible();
    await expect(page.getByTestId("rows").locator("tbody tr")).toHaveCount(20);
    await noHorizontalScroll(page);
    expect(await layoutShiftSinceBatchShown(page), "layout shift while results arrived").toBeLessThan(0.02);
    await screenshot(page, "06-demo-results-phone");
  });

  test("the dashboard fits a phone", async ({ page }) => {
    await page.request.post("/api/demo/stream_2");
    await page.goto("/#/dashboard");
    await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
    await expect(page.getByTestId("trend").locator("path.recharts-curve").first()).toBeVisible();
    await noHorizontalScroll(page);
    await screenshot(page, "07-dashboard-phone");
  });
});

test("the dashboard lists every batch, the AUPRC trend and the models", async ({ page }) => {
  for (const name of ["stream_1", "stream_2", "holdout"]) {
    expect([200, 201]).toContain((await page.request.post(`/api/demo/${name}`)).status());
  }
  const listed = (await (await page.request.get("/api/batches")).json()) as { count: number; data: BatchJson[] };
  const model = (await (await page.request.get("/api/model")).json()) as { version: string };

  await page.goto("/#/dashboard");
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
  const table = page.getByTestId("batches").getByRole("table");
  await expect(table.locator("tbody tr")).toHaveCount(listed.count);
  const newest = listed.data[0];
  if (!newest?.metrics) throw new Error("the newest batch is labeled");
  await expect(table.locator("tbody tr").first()).toContainText(newest.metrics.auprc.toFixed(3));
  await expect(page.getByTestId("trend").locator("path.recharts-curve").first()).toBeVisible();
  expect(await page.getByTestId("trend").locator(".recharts-line-dots circle, .recharts-line-dot").count()).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId("champion").locator(`[title="${model.version}"]`)).toBeVisible();
  await expect(page.getByTestId("models")).toContainText("champion");

  // drift over time: a point per batch with a report, the 0.2 line, the newest drifted features named
  const drifts = await Promise.all(listed.data.map(async (b) => (await (await page.request.get(`/api/batches/${b.id}/drift`)).json()) as DriftJson));
  const reported = drifts.filter((d) => d.report);
  const trend = page.getByTestId("drift-trend");
  await expect(trend.locator("path.recharts-curve").first()).toBeVisible();
  expect(await trend.locator(".recharts-line-dots circle, .recharts-line-dot").count()).toBe(reported.length);
  await expect(trend.locator(".recharts-reference-line")).toHaveCount(1);
  await expect(trend.getByRole("figure")).toHaveAccessibleName(new RegExp(`^Drift of ${reported.length} batches in upload order`));
  const latest = reported.find((d) => d.report?.drifted_features.length); // newest first
  const recent = page.getByTestId("recent-drift");
  if (latest?.report) {
    await expect(recent).toContainText(`batch #${latest.batch_id}`);
    for (const name of latest.report.drifted_features) await expect(recent.getByRole("list").first()).toContainText(name);
  } else {
    await expect(recent).toContainText("No feature drifted");
  }
  // no replay yet: the stream panel says how to start one
  await expect(page.getByTestId("streams-empty")).toContainText("fraudops stream data_splits/stream_1.csv --api http://127.0.0.1:");
  await screenshot(page, "08-dashboard-laptop");

  // a batch opens from the table
  await table.getByRole("link").first().click();
  await expect(page).toHaveURL(new RegExp(`#/batches/${newest.id}$`));
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
});

test("a file without labels is scored and says why there are no metrics", async ({ page }) => {
  const lines = readFileSync(dataFile("holdout.csv"), "utf8").trimEnd().split("\n").slice(0, 1500);
  const unlabeled = lines.map((line) => line.split(",").slice(0, -1).join(",")).join("\n") + "\n";
  const file = path.join(process.env.E2E_TMP ?? "", "holdout_unlabeled.csv");
  writeFileSync(file, unlabeled);

  await page.goto("/");
  const chooser = page.waitForEvent("filechooser");
  await page.getByRole("button", { name: "Choose a file" }).click();
  await (await chooser).setFiles(file);
  await batchOnPage(page);
  await expect(page.getByText("No quality metrics for this batch")).toBeVisible();
  await expect(page.getByTestId("histogram")).toContainText("All rows (no labels)");
  await expect(page.getByRole("button", { name: /^Mistakes/ })).toBeDisabled();
  await expect(page.getByRole("columnheader", { name: "True class" })).toHaveCount(0);
  await expect(page.getByTestId("rows").locator("tbody tr").first()).toContainText("Passed");
  await screenshot(page, "09-unlabeled-results");
});

test("everything works from the keyboard, and a batch opened directly does not shift", async ({ page }) => {
  await recordLayoutShifts(page);
  await page.request.post("/api/demo/stream_2");
  await page.goto("/");
  await expect(page.getByTestId("demo").getByRole("button", { name: "Score stream_2.csv" })).toBeEnabled();

  const tabTo = async (name: RegExp, limit = 40) => {
    for (let i = 0; i < limit; i += 1) {
      await page.keyboard.press("Tab");
      const label = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        return el ? el.getAttribute("aria-label") ?? el.textContent ?? "" : "";
      });
      if (name.test(label.trim())) return;
    }
    throw new Error(`Tab never reached ${name}`);
  };
  await tabTo(/^Score stream_2\.csv$/);
  await page.keyboard.press("Enter");
  await batchOnPage(page);
  await expect(page.locator("main h1")).toBeFocused();
  await expect(page.getByTestId("rows").locator("tbody tr")).toHaveCount(20);
  await tabTo(/^Flagged/);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("button", { name: /^Flagged/ })).toHaveAttribute("aria-pressed", "true");
  await screenshot(page, "10-keyboard-flagged-filter");

  // a cold load straight onto a batch: skeletons hold the space, nothing jumps when the data lands
  const id = /#\/batches\/(\d+)/.exec(page.url())?.[1];
  await page.goto("about:blank");
  await page.goto(`/#/batches/${id}`);
  await expect(page.getByTestId("pr-curve").locator("path.recharts-curve").first()).toBeVisible();
  await expect(page.getByTestId("rows").locator("tbody tr")).toHaveCount(20);
  await page.waitForTimeout(300);
  expect(await layoutShiftSinceBatchShown(page), "layout shift on a cold load").toBeLessThan(0.05);
});

test("a stream replay is listed on the dashboard with its figures and latency histogram", async ({ page, baseURL }) => {
  // a real replay: the producer sends 200 rows to /api/predict and records the run through the API
  const { bin, cwd, tmp } = fraudops();
  const args = ["stream", dataFile("holdout.csv"), "--api", baseURL ?? "", "--limit", "200", "--rate", "400", "--concurrency", "4", "--out", path.join(tmp, "streams")];
  await promisify(execFile)(bin, args, { cwd, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  const runs = (await (await page.request.get("/api/streams")).json()) as { count: number; data: StreamRunJson[] };
  const run = runs.data[0];
  if (!run?.summary.latency_ms || !run.summary.histogram) throw new Error("the replay was recorded with latencies");
  expect(run.source_file).toBe("holdout.csv");
  expect(run.summary.sent).toBe(200);
  expect(run.summary.errors).toBe(0);

  await recordLayoutShifts(page);
  await page.goto("/#/dashboard");
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
  const panel = page.getByTestId("streams");
  const first = panel.getByRole("table").locator("tbody tr").first();
  await expect(first).toContainText("holdout.csv");
  await expect(first).toContainText(`${run.summary.sent} / ${run.summary.answered} / 0`);
  const ms = (x: number) => (x < 1 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : String(Math.round(x)));
  for (const p of [run.summary.latency_ms.p50, run.summary.latency_ms.p95, run.summary.latency_ms.p99]) await expect(first).toContainText(ms(p));
  await expect(first.getByRole("button")).toHaveAttribute("aria-pressed", "true");

  // the selected run's histogram: one bar per non-empty bin, labelled by lower edges in ms
  const histogram = panel.getByTestId("latency-histogram");
  await expect(panel.getByRole("heading", { name: `Latency of run #${run.id} · holdout.csv` })).toBeVisible();
  const bars = run.summary.histogram.counts.filter((c) => c > 0).length;
  await expect(histogram.locator(".recharts-bar-rectangle path, .recharts-bar-rectangle rect")).toHaveCount(bars);
  await expect(histogram).toContainText("Latency in ms (bin lower edge, log bins)");
  await expect(histogram).toHaveAccessibleName(new RegExp(`^Latency histogram of ${run.summary.answered} answers`));
  // the drift of the live traffic during the run, from the prediction log
  await expect(panel.getByTestId("run-drift")).toContainText("logged predictions");
  await expect(page.getByTestId("drift-trend").locator("path.recharts-curve").first()).toBeVisible();
  await page.waitForTimeout(300);
  expect(await layoutShiftTotal(page), "layout shift while the dashboard loaded").toBeLessThan(0.05);
  await screenshot(page, "12-dashboard-drift-streams");

  await page.setViewportSize(PHONE);
  await expect(histogram.locator(".recharts-bar-rectangle path, .recharts-bar-rectangle rect")).toHaveCount(bars);
  await noHorizontalScroll(page);
  await screenshot(page, "13-dashboard-drift-streams-phone");
});
