import logo from "../assets/logo.svg";
import { links, type Route } from "../hooks/useRoute";

const SCREENS: { screen: Route["screen"][]; label: string; href: string }[] = [
  { screen: ["detect"], label: "Detect", href: links.detect },
  { screen: ["history", "review"], label: "History", href: links.history() },
  { screen: ["evaluate"], label: "Evaluate", href: links.evaluate },
  { screen: ["stats"], label: "Stats", href: links.stats },
];

/** The bar across the top: the product name and the screens. */
export function AppNavbar({ route }: { route: Route }) {
  return (
    <nav className="navbar is-dark" aria-label="Main navigation">
      <div className="navbar-brand">
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
      </div>
    </nav>
  );
}
