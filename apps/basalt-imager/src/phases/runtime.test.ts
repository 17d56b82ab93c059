import assert from "node:assert/strict";
import { test } from "node:test";
import { asRootCacheDir, compileCacheDir, compileCacheEnv } from "./runtime.ts";

test("a compile cache made by any user is named for root, whose node reads it", () => {
  assert.equal(asRootCacheDir("v24.21.0-x64-964aae3f-1000"), "v24.21.0-x64-964aae3f-0");
  assert.equal(asRootCacheDir("v24.21.0-x64-964aae3f-0"), "v24.21.0-x64-964aae3f-0");
  assert.equal(asRootCacheDir("27e6d461"), undefined);
  assert.equal(asRootCacheDir("v24.21.0-x64-964aae3f"), undefined);
});

test("the node finds the shipped cache where the image puts it, keyed portably", () => {
  assert.equal(compileCacheEnv.NODE_COMPILE_CACHE, `/${compileCacheDir}`);
  assert.equal(compileCacheEnv.NODE_COMPILE_CACHE_PORTABLE, "1");
});
