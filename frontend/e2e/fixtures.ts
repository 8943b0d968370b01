import { test as base, expect, request, type Page } from "@playwright/test";
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

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

export const PHONE = { width: 390, height: 844 };
export const LAPTOP = { width: 1280, height: 800 };

/**
 * The page does not scroll sideways. With a phone's emulation (isMobile) Chromium widens the layout viewport to
 * fit content that overflows, so innerWidth must also still be the device's width for the check to mean anything.
 */
export async function expectNoSidewaysScroll(page: Page, width: number, where: string): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(innerWidth, `${where}: the layout viewport widened to fit overflowing content`).toBe(width);
  expect(scrollWidth, `${where}: the page scrolls sideways`).toBeLessThanOrEqual(innerWidth);
}

/** The links of the main navigation (every page a user can reach from the top bar). */
export async function navPages(page: Page): Promise<{ name: string; hash: string }[]> {
  return page.getByRole("navigation", { name: "Main" }).getByRole("link").evaluateAll((links) =>
    links.map((a) => ({ name: a.textContent?.trim() ?? "", hash: (a as HTMLAnchorElement).hash || "#/" })),
  );
}

/** A batch of `rows` synthetic labeled rows, scored through the real upload route once per run; its id. */
export async function syntheticBatch(rows: number, seed: number): Promise<number> {
  const { bin, cwd, tmp } = fraudops();
  const file = path.join(tmp, `synthetic-${rows}-${seed}.csv`);
  await promisify(execFile)(bin, ["synth", "--rows", String(rows), "--seed", String(seed), "-o", file], { cwd, timeout: 120_000 });
  const context = await request.newContext({ baseURL: required("E2E_BASE_URL") });
  try {
    const response = await context.post("/api/batches", {
      multipart: { file: { name: `synthetic_${rows}.csv`, mimeType: "text/csv", buffer: readFileSync(file) } },
      timeout: 120_000,
    });
    expect([200, 201], await response.text().catch(() => "")).toContain(response.status());
    return ((await response.json()) as { id: number }).id;
  } finally {
    await context.dispose();
  }
}
