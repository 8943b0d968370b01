// The page under its security headers (backend/fraudops/api/middleware.py): served with a Content-Security-Policy
// it passes while it works (charts included), and the API refuses a cross-site form post.
import { expect, test } from "./fixtures";

interface Violations {
  __cspViolations: string[];
}

test("the page works under its Content-Security-Policy without a single violation", async ({ page }) => {
  // Chromium also logs each violation as a console error, which the console guard fails on; this names them.
  await page.addInitScript(() => {
    const w = window as unknown as Violations;
    w.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      w.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  const response = await page.goto("/");
  const headers = response?.headers() ?? {};
  expect(headers["content-security-policy"]).toContain("default-src 'self'");
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["referrer-policy"]).toBeTruthy();

  // a results page: Recharts' inline styles, the table, drift; then the dashboard's charts
  await page.getByTestId("demo").getByRole("button", { name: "Score stream_1.csv" }).click();
  await expect(page).toHaveURL(/#\/batches\/\d+/);
  await expect(page.getByTestId("pr-curve").locator("path.recharts-curve").first()).toBeVisible();
  await expect(page.getByTestId("rows").locator("tbody tr").first()).toBeVisible();
  await page.goto("/#/dashboard");
  await expect(page.getByTestId("trend").locator("svg.recharts-surface").first()).toBeVisible();

  expect(await page.evaluate(() => (window as unknown as Violations).__cspViolations)).toEqual([]);
});

test("a cross-site form post is refused and a same-site one is not", async ({ page, baseURL }) => {
  const labels = { labels: [{ request_id: "no-such-request", label: 1 }] };
  const crossSite = await page.request.post("/api/feedback", { data: labels, headers: { Origin: "https://evil.example" } });
  expect(crossSite.status()).toBe(403);
  expect(((await crossSite.json()) as { detail: string }).detail).toMatch(/^cross-site request refused/);
  const sameSite = await page.request.post("/api/feedback", { data: labels, headers: { Origin: baseURL ?? "" } });
  expect(sameSite.status()).toBe(200);
});
