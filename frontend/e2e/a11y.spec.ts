// axe-core (the engine behind Lighthouse's accessibility audit) on every page, loaded with real data from the
// real backend: no serious or critical violation, at laptop and at phone width.
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, LAPTOP, navPages, PHONE, test } from "./fixtures";

/** Rules a page must pass: WCAG 2.x A and AA, and axe's best practices. */
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
}

/** A page with its data drawn: the heading, no skeleton left, the network quiet. */
async function settled(page: Page): Promise<void> {
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await page.waitForLoadState("networkidle");
  await expect(page.locator("main .skeleton")).toHaveCount(0);
}

for (const viewport of [LAPTOP, PHONE]) {
  test(`no serious accessibility violation on any page at ${viewport.width}px`, async ({ page, consoleGuard }) => {
    consoleGuard.allow(/status of 422/); // the rejected file below
    await page.setViewportSize(viewport);
    // a labeled batch, so the batch page shows everything it can (curve, matrix, reasons)
    const scored = await page.request.post("/api/demo/stream_1");
    expect([200, 201]).toContain(scored.status());
    const batch = ((await scored.json()) as { id: number }).id;

    await page.goto("/");
    await settled(page);
    const pages = [...(await navPages(page)).map((p) => p.hash), `#/batches/${batch}`, "#/no-such-page"];
    for (const hash of pages) {
      await page.goto(`/${hash}`);
      await settled(page);
      expect(await seriousViolations(page), `${hash} at ${viewport.width}px`).toEqual([]);
    }

    // the batch page with a reasons panel open, and the upload page showing a rejected file's problems
    await page.goto(`/#/batches/${batch}`);
    await settled(page);
    await page.getByRole("button", { name: /^Flagged/ }).click();
    await page.getByRole("button", { name: /^Why row/ }).first().click();
    await expect(page.getByTestId("reasons")).toBeVisible();
    expect(await seriousViolations(page), "batch page, reasons open").toEqual([]);

    await page.goto("/");
    await settled(page);
    await page.getByTestId("file-input").setInputFiles({ name: "bad.csv", mimeType: "text/csv", buffer: Buffer.from("Time,V1\n1,x\n") });
    await expect(page.getByTestId("problems")).toBeVisible();
    expect(await seriousViolations(page), "upload page, a rejected file").toEqual([]);
  });
}
