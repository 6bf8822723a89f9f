/** The list of models the server offers, fetched once when the page opens. */
import { listModels } from "../api";
import { useResource } from "./useResource";

export function useModels() {
  const { state, reload } = useResource(listModels, "models");
  return { state, retry: reload };
}
