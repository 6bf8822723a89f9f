/** Checks every width-spanning spec makes: the three widths, no sideways scrolling, no serious accessibility problem. */
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect } from "./fixtures";

export const WIDTHS = [
  { width: 390, height: 844, name: "phone" },
  { width: 768, height: 1024, name: "tablet" },
  { width: 1280, height: 900, name: "desktop" },
];

/** The page is no wider than the window: nothing to scroll to sideways. */
export async function expectNoSidewaysScroll(page: Page) {
  const { scrollWidth, innerWidth, wide } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    // What reaches past the window, to say what to fix when something does.
    wide: Array.from(document.querySelectorAll("body *"))
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5 && e.closest(".table-container") === null)
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${Array.from(e.classList).join(".")} ${e.textContent?.slice(0, 30)}`),
  }));
  expect(scrollWidth, `page width; too wide: ${wide.join(" | ")}`).toBeLessThanOrEqual(innerWidth);
}

/** No serious or critical accessibility violation on what the page shows now. */
export async function expectAccessible(page: Page, screen: string) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const bad = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  expect(bad, `accessibility violations on ${screen}`).toEqual([]);
}
