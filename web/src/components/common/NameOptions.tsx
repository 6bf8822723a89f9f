interface Props<Name extends string> {
  names: readonly Name[];
  /** What the user reads for a name; the name itself when absent. */
  label?: (name: Name) => string;
}

/** One option per name, the name its value, for a select over models, classes or formats. */
export function NameOptions<Name extends string>({ names, label }: Props<Name>) {
  return names.map((name) => (
    <option key={name} value={name}>
      {label ? label(name) : name}
    </option>
  ));
}
