/**
 * tar-stream's extractor, as a module of its own so that image-archive.ts can load it on first use
 * (a bundler gives a CommonJS package loaded by import() only a default export; this module has a
 * named one either way).
 */
export { extract } from "tar-stream";
