// The comparison of model versions and the learning loop, on the real stack: the demo holdout (an evaluation
// batch), a second model trained beside the first, the holdout scored again with it from the batch page.
import { execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { dataFile, expect, fraudops, test } from "./fixtures";

const run = promisify(execFile);
const SHOTS = process.env.E2E_SHOTS_DIR ?? "/tmp/shots";
const SIZES = [
  { name: "laptop", width: 1280, height: 800 },
  { name: "phone", width: 390, height: 844 },
] as const;

test("compare two versions on the holdout and see the learning loop", async ({ page, request, consoleGuard }) => {
  test.setTimeout(600_000);
  mkdirSync(SHOTS, { recursive: true });
  consoleGuard.allow(/409|Conflict/);
  const token = process.env.E2E_ADMIN_TOKEN ?? "";
  const first = (await (await request.get("/api/model")).json()) as { version: string };

  // The holdout through demo mode: stored as an evaluation batch, scored by the first model.
  const holdout = await request.post("/api/demo/holdout");
  expect(holdout.ok()).toBeTruthy();
  const batch = (await holdout.json()) as { id: number; role: string; model_version: string };
  expect(batch.role).toBe("evaluation");

  // A second model (another seed, forced past the gate), trained as `fraudops train` does; the server swaps it in.
  const { bin, cwd, tmp } = fraudops();
  await run(bin, ["train", "--quick", "--force", "--seed", "1", "--csv", dataFile("initial_train.csv")], {
    cwd,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, DATABASE_URL: process.env.E2E_DATABASE_URL, MODEL_DIR: path.join(tmp, "model"), VAR_DIR: path.join(tmp, "var"), TF_CPP_MIN_LOG_LEVEL: "2", CUDA_VISIBLE_DEVICES: "" },
  });
  await expect.poll(async () => ((await (await request.get("/api/model")).json()) as { version: string }).version, { timeout: 60_000 }).not.toBe(first.version);

  // "Score with…" on the batch page: the new champion, with the admin token; progress until done.
  await page.goto(`/#/batches/${batch.id}`);
  const panel = page.getByTestId("score-with");
  await panel.getByLabel("Admin token").fill(token);
  await panel.getByRole("button", { name: /^Score with/ }).click();
  await expect(panel.getByTestId("scorings")).toContainText("done", { timeout: 120_000 });
  await panel.getByRole("link", { name: /Compare the versions/ }).click();

  // The comparison: both versions side by side, the curves overlaid, the interval and the disagreements.
  await expect(page.getByRole("heading", { name: "Compare model versions" })).toBeVisible();
  const table = page.getByTestId("versions-table");
  await expect(table.locator("thead th")).toHaveCount(3);
  await expect(table).toContainText("AUPRC");
  await expect(page.getByTestId("overlaid-pr").locator(".recharts-line")).toHaveCount(2);
  await expect(page.getByTestId("interval")).toContainText("paired bootstrap");
  await expect(page.getByTestId("learning-loop-table")).toBeVisible();
  for (const size of SIZES) {
    await page.setViewportSize({ width: size.width, height: size.height });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SHOTS, `compare-${size.name}.png`), fullPage: true, animations: "disabled" });
  }

  // The learning loop on the dashboard: one point per training, the champion's holdout AUPRC.
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto("/#/dashboard");
  const loop = page.getByTestId("learning-loop");
  await expect(loop.getByTestId("learning-loop-table").locator("tbody tr")).toHaveCount(2);
  await expect(loop.getByTestId("learning-loop-chart")).toBeVisible();
  for (const size of SIZES) {
    await page.setViewportSize({ width: size.width, height: size.height });
    await loop.scrollIntoViewIfNeeded();
    await loop.screenshot({ path: path.join(SHOTS, `learning-loop-${size.name}.png`), animations: "disabled" });
  }
});
