import { useEffect, useState, type ComponentProps } from "react";
import { getImageFile } from "../../api/client";
import { useResource } from "../../hooks/useResource";

type Props = Omit<ComponentProps<"img">, "src"> & {
  /** The photo's `file_url` from the API. */
  fileUrl: string;
};

/**
 * A photo the server keeps, shown from a copy fetched through the API module: an <img> pointed at the
 * API itself could not send the API key, and a server that needs one would refuse it.
 */
export function StoredPhoto({ fileUrl, ...props }: Props) {
  const file = useResource((signal) => getImageFile(fileUrl, signal), fileUrl);
  const bytes = file.state.data;
  const [objectUrl, setObjectUrl] = useState<string | null>(null);

  // The object URL keeps the bytes in memory; they go when the photo does.
  useEffect(() => {
    if (!bytes) return;
    const url = URL.createObjectURL(bytes);
    setObjectUrl(url);
    return () => URL.revokeObjectURL(url);
  }, [bytes]);

  return <img {...props} src={objectUrl ?? undefined} />;
}
