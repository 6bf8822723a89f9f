interface Props {
  page: number;
  pageCount: number;
  /** The address of page `n`, so every page is a real link. */
  href: (page: number) => string;
}

/** Previous, next and numbered pages, with the ones far from the current page left out. */
export function Pagination({ page, pageCount, href }: Props) {
  if (pageCount <= 1) return null;
  const shown = [...new Set([1, page - 1, page, page + 1, pageCount])].filter((n) => n >= 1 && n <= pageCount);
  return (
    <nav className="pagination is-centered mt-5" aria-label="Pages">
      <a className="pagination-previous" href={href(page - 1)} aria-disabled={page <= 1} hidden={page <= 1}>
        Previous
      </a>
      <a className="pagination-next" href={href(page + 1)} aria-disabled={page >= pageCount} hidden={page >= pageCount}>
        Next
      </a>
      <ul className="pagination-list">
        {shown.map((n, i) => (
          <li key={n}>
            {i > 0 && n - shown[i - 1] > 1 && <span className="pagination-ellipsis">&hellip;</span>}
            <a
              className={`pagination-link ${n === page ? "is-current" : ""}`}
              href={href(n)}
              aria-label={`Page ${n}`}
              aria-current={n === page ? "page" : undefined}
            >
              {n}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
