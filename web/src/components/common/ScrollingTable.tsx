import type { ReactNode } from "react";

/**
 * A table that scrolls sideways inside its box where the screen is too narrow for it. The scrolling
 * area takes the keyboard focus, so that arrow keys scroll it too (WCAG 2.1.1).
 */
export function ScrollingTable({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-container" tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}
