import { useState } from "react";
import logo from "../assets/logo.svg";
import { links, type Route } from "../hooks/useRoute";
import { ApiKeyModal } from "./ApiKeyModal";

const SCREENS: { screen: Route["screen"][]; label: string; href: string }[] = [
  { screen: ["detect"], label: "Detect", href: links.detect },
  { screen: ["history", "review"], label: "History", href: links.history() },
  { screen: ["evaluate"], label: "Evaluate", href: links.evaluate },
  { screen: ["stats"], label: "Stats", href: links.stats },
];

/** The bar across the top: the product name, the screens, and the API key for servers that need one. */
export function AppNavbar({ route }: { route: Route }) {
  const [editingKey, setEditingKey] = useState(false);
  return (
    <>
      <nav className="navbar is-dark" aria-label="Main navigation">
        <div className="navbar-brand is-flex-grow-1">
          <a className="navbar-item has-text-weight-bold is-size-5" href={links.detect}>
            <img src={logo} alt="" width="24" height="24" className="mr-2" />
            Sightline
          </a>
          {SCREENS.map(({ screen, label, href }) => {
            const current = screen.includes(route.screen);
            return (
              <a
                key={label}
                className={`navbar-item ${current ? "is-active" : ""}`}
                href={href}
                aria-current={current ? "page" : undefined}
              >
                {label}
              </a>
            );
          })}
          <div className="navbar-item ml-auto">
            <button type="button" className="button is-small is-dark" onClick={() => setEditingKey(true)}>
              API key
            </button>
          </div>
        </div>
      </nav>
      {editingKey && <ApiKeyModal onClose={() => setEditingKey(false)} />}
    </>
  );
}
