export { type BuildOptions, buildImage, defaultCacheDir } from "./build.ts";
export { parseProfile, type Profile } from "./profile.ts";
