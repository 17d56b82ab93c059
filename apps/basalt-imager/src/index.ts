export { type BuildOptions, buildImage, defaultCacheDir } from "./build.ts";
export { type Profile, parseProfile } from "./profile.ts";
