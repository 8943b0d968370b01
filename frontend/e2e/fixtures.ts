import { test as base, expect, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const SCREENSHOTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "e2e-screenshots");
mkdirSync(SCREENSHOTS, { recursive: true });

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the global setup did not run`);
  return value;
}

export const dataFile = (name: string) => path.join(required("E2E_DATA_DIR"), name);

/** The fraudops command the setup used, and the repository it ran in. */
export const fraudops = () => ({ bin: required("E2E_FRAUDOPS"), cwd: required("E2E_ROOT"), tmp: required("E2E_TMP") });

export async function screenshot(page: Page, name: string): Promise<void> {
  // from the top, so the sticky header sits where a reader expects it in a full-page capture
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true, animations: "disabled" });
}

interface ConsoleGuard {
  /** Accept console errors matching `pattern` (Chromium logs every 4xx answer, even an expected one). */
  allow(pattern: RegExp): void;
}

/** Every test fails on a console error or an uncaught exception in the page. */
export const test = base.extend<{ consoleGuard: ConsoleGuard }>({
  // eslint-disable-next-line no-empty-pattern
  baseURL: async ({}, use) => {
    await use(required("E2E_BASE_URL"));
  },
  consoleGuard: [
    async ({ page }, use) => {
      const problems: string[] = [];
      const allowed: RegExp[] = [];
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(`console.error: ${message.text()}`);
      });
      page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
      await use({ allow: (pattern) => allowed.push(pattern) });
      const unexpected = problems.filter((p) => !allowed.some((pattern) => pattern.test(p)));
      expect(unexpected, "the page logged errors").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Records layout shifts (as Chrome scores them) from the moment a batch page is shown. */
export async function recordLayoutShifts(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __shifts: { value: number; at: number }[]; __batchShownAt: number };
    w.__shifts = [];
    w.__batchShownAt = location.hash.startsWith("#/batches/") ? 0 : Infinity;
    addEventListener("hashchange", () => {
      if (location.hash.startsWith("#/batches/") && w.__batchShownAt === Infinity) w.__batchShownAt = performance.now();
    });
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as unknown as { value: number; hadRecentInput: boolean; startTime: number }[]) {
        if (!entry.hadRecentInput) w.__shifts.push({ value: entry.value, at: entry.startTime });
      }
    }).observe({ type: "layout-shift", buffered: true });
  });
}

export async function layoutShiftSinceBatchShown(page: Page): Promise<number> {
  return page.evaluate(() => {
    const w = window as unknown as { __shifts: { value: number; at: number }[]; __batchShownAt: number };
    return w.__shifts.filter((s) => s.at >= w.__batchShownAt).reduce((sum, s) => sum + s.value, 0);
  });
}

/** Every layout shift since the page loaded (recordLayoutShifts must have been called before it). */
export async function layoutShiftTotal(page: Page): Promise<number> {
  return page.evaluate(() => {
    const w = window as unknown as { __shifts: { value: number; at: number }[] };
    return w.__shifts.reduce((sum, s) => sum + s.value, 0);
  });
}
