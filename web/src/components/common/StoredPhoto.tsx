import type { ComponentProps } from "react";
import { getImageFile } from "../../api/client";
import { usePictureUrl } from "../../hooks/usePictureUrl";
import { useResource } from "../../hooks/useResource";

type Props = Omit<ComponentProps<"img">, "src"> & {
  /** The photo's `file_url` from the API. */
  fileUrl: string;
};

/**
 * A photo the server keeps, shown from a copy fetched through the API module: an <img> pointed at the
 * API itself could not send the API key, and a server that needs one would refuse it. A kept TIFF
 * shows as its first page, drawn in the page.
 */
export function StoredPhoto({ fileUrl, ...props }: Props) {
  const file = useResource((signal) => getImageFile(fileUrl, signal), fileUrl);
  // The object URL keeps the bytes in memory; they go when the photo does.
  const objectUrl = usePictureUrl(file.state.data);
  return <img {...props} src={objectUrl ?? undefined} />;
}
