import { useState } from "react";
import logo from "../../assets/logo.svg";
import { links, type Route } from "../../hooks/useRoute";
import { ApiKeyModal } from "./ApiKeyModal";

const SCREENS: { screen: Route["screen"][]; label: string; href: string }[] = [
  { screen: ["detect"], label: "Detect", href: links.detect },
  { screen: ["queue", "review"], label: "Review", href: links.queue },
  { screen: ["history"], label: "History", href: links.history() },
  { screen: ["evaluate"], label: "Evaluate", href: links.evaluate },
  { screen: ["stats"], label: "Stats", href: links.stats },
];

/**
 * The bar across the top: the product name, the screens, and the API key for servers that need one.
 * Below desktop width the screens fold behind a menu button, so a phone never scrolls sideways.
 */
export function AppNavbar({ route }: { route: Route }) {
  const [editingKey, setEditingKey] = useState(false);
  const [menuOpen, setMenuOpen] = useState(false);
  const close = () => setMenuOpen(false);
  return (
    <>
      <nav className="navbar is-dark" aria-label="Main navigation">
        <div className="navbar-brand">
          <a className="navbar-item has-text-weight-bold is-size-5" href={links.detect} onClick={close}>
            <img src={logo} alt="" width="24" height="24" className="mr-2" />
            Sightline
          </a>
          <button
            type="button"
            className={`navbar-burger ${menuOpen ? "is-active" : ""}`}
            aria-label="Menu"
            aria-expanded={menuOpen}
            aria-controls="main-menu"
            onClick={() => setMenuOpen((open) => !open)}
          >
            <span aria-hidden="true" />
            <span aria-hidden="true" />
            <span aria-hidden="true" />
            <span aria-hidden="true" />
          </button>
        </div>
        <div id="main-menu" className={`navbar-menu ${menuOpen ? "is-active" : ""}`}>
          <div className="navbar-start">
            {SCREENS.map(({ screen, label, href }) => {
              const current = screen.includes(route.screen);
              return (
                <a
                  key={label}
                  className={`navbar-item ${current ? "is-active" : ""}`}
                  href={href}
                  aria-current={current ? "page" : undefined}
                  onClick={close}
                >
                  {label}
                </a>
              );
            })}
          </div>
          <div className="navbar-end">
            <div className="navbar-item">
              <button
                type="button"
                className="button is-small is-dark"
                onClick={() => {
                  close();
                  setEditingKey(true);
                }}
              >
                API key
              </button>
            </div>
          </div>
        </div>
      </nav>
      {editingKey && <ApiKeyModal onClose={() => setEditingKey(false)} />}
    </>
  );
}
