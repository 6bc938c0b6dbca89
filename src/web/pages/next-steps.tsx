/** Where to go from a page that reports an outcome, so no page is a dead end. */
export function NextSteps(props: { links: { href: string; label: string }[] }) {
  return (
    <nav aria-label="What next" className="next-steps">
      <ul>
        {props.links.map((l) => (
          <li key={l.href + l.label}>
            <a href={l.href}>{l.label}</a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
