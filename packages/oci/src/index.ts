export {
  type ImageFile,
  type ImageSpec,
  layerEntries,
  mediaTypes,
  type OciArchive,
  ociImageArchive,
} from "./image.ts";
export { readTar, type TarEntry, tarArchive } from "./tar.ts";
