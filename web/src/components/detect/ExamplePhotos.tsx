import { useState } from "react";
import chelsea from "../../../../samples/chelsea.jpg";
import dog from "../../../../samples/dog.jpg";
import horses from "../../../../samples/horses.jpg";
import cafeteria from "../../../../samples/voc_cafeteria.jpg";

/** The bundled sample photos (samples/README.md has their sources and licences), for a first try without a file at hand. */
const EXAMPLES = [
  { name: "dog.jpg", title: "Dog, bicycle and car", url: dog },
  { name: "horses.jpg", title: "Horses", url: horses },
  { name: "voc_cafeteria.jpg", title: "A busy cafeteria", url: cafeteria },
  { name: "chelsea.jpg", title: "A cat", url: chelsea },
];

interface Props {
  onFile: (file: File) => void;
  onProblem: (message: string) => void;
}

/** Sample photos to click: each is sent to the detector as if it had been chosen from the disk. */
export function ExamplePhotos({ onFile, onProblem }: Props) {
  const [loading, setLoading] = useState<string | null>(null);
  const choose = async (example: (typeof EXAMPLES)[number]) => {
    setLoading(example.name);
    try {
      const response = await fetch(example.url);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      onFile(new File([await response.blob()], example.name, { type: "image/jpeg" }));
    } catch (problem) {
      onProblem(`The example photo could not be loaded (${problem instanceof Error ? problem.message : String(problem)}).`);
    } finally {
      setLoading(null);
    }
  };
  return (
    <div className="mt-5">
      <p className="is-size-7 has-text-grey mb-2">No photo at hand? Try one of these:</p>
      <div className="buttons is-centered">
        {EXAMPLES.map((example) => (
          <button
            key={example.name}
            type="button"
            className={`button is-light example-photo ${loading === example.name ? "is-loading" : ""}`}
            aria-label={`Try the example photo: ${example.title}`}
            onClick={() => void choose(example)}
          >
            <img src={example.url} alt="" width={64} height={48} loading="lazy" />
            <span className="ml-2 is-size-7">{example.title}</span>
          </button>
        ))}
      </div>
    </div>
  );
}
