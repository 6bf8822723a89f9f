/** The page under test, failing any test whose page logs an error it did not expect. */
import { test as base, expect, type Page, type TestInfo } from "@playwright/test";
import path from "node:path";

export const SAMPLES = path.resolve(import.meta.dirname, "../../samples");
export const SCREENSHOTS = path.resolve(import.meta.dirname, "../test-results/screenshots");

interface Fixtures {
  /** Console errors matching one of these are expected by the test (e.g. the browser logging a 422). */
  allowedConsoleErrors: RegExp[];
}

export const test = base.extend<Fixtures>({
  allowedConsoleErrors: [[], { option: true }],
  page: async ({ page, allowedConsoleErrors }, use) => {
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" && !allowedConsoleErrors.some((allowed) => allowed.test(message.text()))) {
        errors.push(message.text());
      }
    });
    page.on("pageerror", (error) => errors.push(`uncaught: ${error.message}`));
    await use(page);
    expect(errors, "console errors on the page").toEqual([]);
  },
});

export { expect };

/** A screenshot kept as a test artifact under web/test-results/screenshots/. */
export async function saveScreenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await testInfo.attach(name, { path: file, contentType: "image/png" });
}
