// The review queue in a real browser against the real backend on PostgreSQL (see global-setup.ts): a reviewer
// works through the queue by keyboard, labels five items, and the labels land on the stored rows that training
// reads. Screenshots of the queue, the single-transaction form and the reworked batch table go to /tmp/shots
// (or E2E_SHOTS) at laptop and phone width.
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";
import { dataFile, expect, test } from "./fixtures";

const SHOTS = process.env.E2E_SHOTS ?? "/tmp/shots";
mkdirSync(SHOTS, { recursive: true });
const LAPTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true, animations: "disabled" });
}

async function noSidewaysScroll(page: Page): Promise<void> {
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  expect(scroll).toBeLessThanOrEqual(inner);
}

/** Rows 2,000–5,999 of the holdout file without its Class column: an unlabeled batch, the production case. */
function unlabeledCsv(): Buffer {
  const lines = readFileSync(dataFile("holdout.csv"), "utf8").trimEnd().split("\n");
  const header = (lines[0] ?? "").split(",").map((name) => name.replace(/"/g, ""));
  const drop = header.indexOf("Class");
  if (drop < 0) throw new Error("holdout.csv has no Class column");
  const strip = (line: string) =>
    line
      .split(",")
      .filter((_, i) => i !== drop)
      .join(",");
  return Buffer.from([strip(lines[0] ?? ""), ...lines.slice(2001, 6001).map(strip)].join("\n") + "\n");
}

interface Item {
  key: string;
  batch_id: number | null;
  row_number: number | null;
  label: number | null;
}

test("a reviewer labels five items by keyboard and the labels become training rows", async ({ page }) => {
  // A review band wide enough to queue more than five rows of a 4,000-row slice whatever model the setup
  // trained (it applies to new decisions only, so the batch is uploaded after it); restored at the end.
  const admin = { Authorization: `Bearer ${process.env.E2E_ADMIN_TOKEN ?? ""}` };
  const inForce = (await (await page.request.get("/api/bands")).json()) as { review_at: number; decline_at: number };
  const widened = await page.request.put("/api/bands", {
    headers: admin,
    data: { review_at: Math.min(0.01, inForce.decline_at), decline_at: inForce.decline_at, note: "e2e: review queue test" },
  });
  expect(widened.status(), await widened.text()).toBe(200);
  try {
    await labelFiveByKeyboard(page);
  } finally {
    await page.request.put("/api/bands", {
      headers: admin,
      data: { review_at: inForce.review_at, decline_at: inForce.decline_at, note: "e2e: restored" },
    });
  }
});

async function labelFiveByKeyboard(page: Page): Promise<void> {
  const upload = await page.request.post("/api/batches", {
    multipart: { file: { name: "review-unlabeled.csv", mimeType: "text/csv", buffer: unlabeledCsv() } },
  });
  expect([200, 201]).toContain(upload.status());
  const batch = (await upload.json()) as { id: number; bands: { review_at: number; decline_at: number } };
  const queued = (await (await page.request.get(`/api/review?batch_id=${batch.id}&labeled=false&limit=200`)).json()) as { count: number; data: Item[] };
  expect(queued.count, "the unlabeled batch must put rows in review or decline").toBeGreaterThanOrEqual(6);

  await page.setViewportSize(LAPTOP);
  await page.goto("/#/review");
  await expect(page.getByRole("heading", { name: "Review queue", level: 1 })).toBeVisible();
  await page.getByRole("combobox", { name: "Source", exact: true }).selectOption("batch");
  await expect(page.getByTestId("item-detail")).toBeVisible();
  const current = () => page.locator(".queue-item[aria-current='true']").getAttribute("data-key");

  // j and k move through the list
  const first = await current();
  await page.keyboard.press("j");
  await expect.poll(current).not.toBe(first);
  await page.keyboard.press("k");
  await expect.poll(current).toBe(first);
  await shot(page, "review-queue-1280x800");

  // While a label is saving the page says so, and a key pressed meanwhile labels nothing: the second f
  // below sends no second request (the label POST is held until the check is done).
  const fraudButton = page.getByTestId("item-detail").getByRole("button", { name: /^Fraud/ });
  let labelPosts = 0;
  page.on("request", (r) => {
    if (r.url().endsWith("/api/review/label") && r.method() === "POST") labelPosts += 1;
  });
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/api/review/label", async (route) => {
    await held;
    await route.continue();
  });

  const labeled: { key: string; label: 0 | 1 }[] = [];
  for (let i = 0; i < 5; i += 1) {
    const key = (await current()) ?? "";
    expect(key).toMatch(/^batch:\d+:\d+$/);
    // what a reviewer waits for: the label buttons enabled again once the previous label is saved
    await expect(fraudButton).toBeEnabled();
    if (i === 2) {
      await page.keyboard.press("n");
      await expect(page.getByLabel(/^Note/)).toBeFocused();
      await page.keyboard.type("amount unusual for this hour");
      await page.getByLabel(/^Note/).blur();
    }
    const label: 0 | 1 = i % 2 === 0 ? 1 : 0;
    const answer = page.waitForResponse((r) => r.url().endsWith("/api/review/label") && r.request().method() === "POST", { timeout: 20_000 });
    await page.keyboard.press(label === 1 ? "f" : "l");
    if (i === 0) {
      await expect(page.getByTestId("label-status")).toHaveText("Saving the label…");
      await expect(fraudButton).toBeDisabled();
      await page.keyboard.press("f");
      await expect.poll(() => labelPosts).toBe(1);
      release();
    }
    expect((await answer).status()).toBe(200);
    labeled.push({ key, label });
    // the queue advances: the labeled item leaves the to-review list and another takes its place
    await expect(page.locator(`.queue-item[data-key='${key}']`)).toHaveCount(0);
    await expect.poll(current).not.toBe(key);
  }
  expect(new Set(labeled.map((l) => l.key)).size).toBe(5);
  expect(labelPosts).toBe(5);
  await page.unroute("**/api/review/label");

  // the labels are on the stored rows (transactions.label: what training reads), each with its event
  for (const { key, label } of labeled) {
    const [, batchId, row] = key.split(":");
    const reasons = (await (await page.request.get(`/api/review/batch/${batchId}/${row}/reasons`)).json()) as {
      label: number;
      history: { label: number; source: string; actor: string; note: string | null }[];
    };
    expect(reasons.label).toBe(label);
    expect(reasons.history.at(-1)).toMatchObject({ label, source: "review", actor: "analyst" });
  }
  expect(labeled.filter((l) => l.key.startsWith(`batch:${batch.id}:`)).length).toBeGreaterThan(0);
  const ours = labeled.filter((l) => l.key.startsWith(`batch:${batch.id}:`));
  const csv = await (await page.request.get(`/api/batches/${batch.id}/predictions.csv`)).text();
  const [head, ...rows] = csv.trimEnd().split("\r\n");
  const columns = (head ?? "").split(",");
  const classAt = columns.indexOf("Class");
  const withClass = rows.map((r) => r.split(",")).filter((cells) => cells[classAt] !== "");
  expect(withClass.map((cells) => `batch:${batch.id}:${cells[0]}=${cells[classAt]}`).sort()).toEqual(ours.map((l) => `${l.key}=${l.label}`).sort());
  const notes = await Promise.all(
    labeled.map(async ({ key }) => {
      const [, b, r] = key.split(":");
      const body = (await (await page.request.get(`/api/review/batch/${b}/${r}/reasons`)).json()) as { history: { note: string | null }[] };
      return body.history.at(-1)?.note ?? null;
    }),
  );
  expect(notes[2]).toBe("amount unusual for this hour");

  // capacity and the phone-width queue
  await expect(page.getByTestId("capacity-summary")).toContainText("Latest batch");
  await page.setViewportSize(PHONE);
  await expect(page.getByTestId("item-detail")).toBeVisible();
  await noSidewaysScroll(page);
  await shot(page, "review-queue-390x844");

  // the reworked batch table: Amount and Time, sorted by amount, both widths
  await page.setViewportSize(LAPTOP);
  await page.goto(`/#/batches/${batch.id}`);
  await page.getByRole("button", { name: /^Amount/ }).click();
  await expect(page.getByRole("columnheader", { name: /Amount/ })).toHaveAttribute("aria-sort", "descending");
  await page.getByRole("combobox", { name: "Band", exact: true }).selectOption("review");
  await expect(page.locator("table.predictions tbody tr").first()).toContainText("Review");
  await shot(page, "batch-table-1280x800");
  await page.setViewportSize(PHONE);
  await noSidewaysScroll(page);
  await shot(page, "batch-table-390x844");
}

test("one transaction pasted into the form is scored with its band and reasons", async ({ page }) => {
  const line = readFileSync(dataFile("holdout.csv"), "utf8").split("\n")[1] ?? "";
  for (const [size, name] of [
    [LAPTOP, "score-one-1280x800"],
    [PHONE, "score-one-390x844"],
  ] as const) {
    await page.setViewportSize(size);
    await page.goto("/#/score");
    await page.getByLabel("Transaction", { exact: true }).fill(line);
    await page.getByRole("button", { name: "Score it" }).click();
    const result = page.getByTestId("score-result");
    await expect(result).toContainText("Fraud probability");
    await expect(result).toContainText(/Approve|Review|Decline/);
    await expect(page.getByTestId("reasons")).toBeVisible();
    await noSidewaysScroll(page);
    await shot(page, name);
  }
  // a line that is not a transaction is explained, not sent
  await page.getByLabel("Transaction", { exact: true }).fill("1,2,3");
  await page.getByRole("button", { name: "Score it" }).click();
  await expect(page.getByRole("alert")).toContainText("30 values");
});
