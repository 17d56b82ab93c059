/** The Go build steps every recipe is made of: module downloads, wrapper modules, `go install`, version checks. */
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BasaltError } from "@basalt/machinery";
import {
  buildDateOf,
  hasReplace,
  kubernetesLdflags,
  type ModuleDownload,
  stagingModules,
  stagingVersion,
  wrapperModule,
} from "./go-mod.ts";
import { runCommand, type StepTiming, timedStep } from "./run.ts";
import type { Versions } from "./versions.ts";

/** What every recipe gets. */
export interface RecipeContext {
  versions: Versions;
  /** `go build -p N`. */
  jobs: number;
  log: (line: string) => void;
}

export type Recipe = (ctx: RecipeContext, stage: string, work: string) => Promise<StepTiming[]>;

/** GOWORK off (the repo is no Go workspace); GOMODCACHE and GOCACHE stay at their defaults. */
export const goEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  GOWORK: "off",
  CGO_ENABLED: "0",
  ...extra,
});

export async function download(module: string, cwd: string): Promise<ModuleDownload> {
  const out = await runCommand("go", ["mod", "download", "-json", module], {
    cwd,
    env: goEnv(),
    captureStdout: true,
  }).catch((err: unknown) => {
    throw new BasaltError("unavailable", `cannot download ${module}: ${(err as Error).message}`, {
      hint: "the Go module proxy must be reachable (GOPROXY), or the module already in GOMODCACHE",
    });
  });
  const m = JSON.parse(out) as ModuleDownload;
  if (!m.Dir || !m.GoMod) throw new BasaltError("internal", `go mod download ${module} gave no Dir/GoMod`);
  return m;
}

/** Runs `bin args` and fails unless its output (stdout and stderr, any exit code) contains `expect`. */
export async function expectVersion(bin: string, args: string[], expect: string): Promise<void> {
  const out = await new Promise<string>((resolve) => {
    execFile(bin, args, { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve(`${stdout}${stderr}${err && !stdout && !stderr ? err.message : ""}`),
    );
  });
  if (!out.includes(expect))
    throw new BasaltError(
      "internal",
      `${bin} ${args.join(" ")} printed '${out.trim()}', expected '${expect}'`,
    );
}

/** Version flags of each prepared wrapper module directory. */
export const ldflagsOf = new Map<string, string>();

/** Writes and tidies the wrapper module around k8s.io/kubernetes in `work`/k8s, importing `cmds`. */
export async function prepareKubernetesModule(
  ctx: RecipeContext,
  cmds: readonly string[],
  work: string,
): Promise<StepTiming[]> {
  const timings: StepTiming[] = [];
  const v = ctx.versions.kubernetes;
  ctx.log(`resolving k8s.io/kubernetes@${v}`);
  const k8s = await download(`k8s.io/kubernetes@${v}`, work);
  const upstream = readFileSync(k8s.GoMod, "utf8");
  const staging = stagingModules(upstream);
  if (staging.length === 0) throw new BasaltError("internal", `found no staging modules in ${k8s.GoMod}`);
  const buildDate = buildDateOf(readFileSync(k8s.Info, "utf8"));
  ctx.log(`  ${staging.length} staging modules -> ${stagingVersion(v)}, buildDate ${buildDate}`);
  const dir = join(work, "k8s");
  mkdirSync(dir, { recursive: true });
  const mod = wrapperModule({
    name: "basalt.local/k8sbuild",
    upstreamGoMod: upstream,
    require: { path: "k8s.io/kubernetes", version: v },
    replace: staging.map((path) => ({ path, version: stagingVersion(v) })),
    imports: cmds.map((c) => `k8s.io/kubernetes/cmd/${c}`),
  });
  writeFileSync(join(dir, "go.mod"), mod.goMod);
  if (cmds.length > 0) {
    writeFileSync(join(dir, "tools.go"), mod.toolsGo);
    await timedStep("go mod tidy (kubernetes)", "go", ["mod", "tidy"], {
      cwd: dir,
      env: goEnv(),
      timings,
      log: ctx.log,
    });
  }
  ldflagsOf.set(dir, kubernetesLdflags(v, buildDate));
  return timings;
}

/** A wrapper module around k8s.io/kubernetes that builds `cmds` into `stage`. */
export async function buildKubernetesCmds(
  ctx: RecipeContext,
  cmds: readonly string[],
  stage: string,
  work: string,
): Promise<StepTiming[]> {
  const timings = await prepareKubernetesModule(ctx, cmds, work);
  const dir = join(work, "k8s");
  const ldflags = ldflagsOf.get(dir)!;
  for (const [i, c] of cmds.entries()) {
    ctx.log(`building ${c} (${i + 1}/${cmds.length})…`);
    await timedStep(
      c,
      "go",
      [
        "build",
        "-p",
        String(ctx.jobs),
        "-trimpath",
        "-tags",
        "selinux,notest",
        "-ldflags",
        ldflags,
        "-o",
        join(stage, c),
        `k8s.io/kubernetes/cmd/${c}`,
      ],
      { cwd: dir, env: goEnv(), timings, log: ctx.log },
    );
  }
  return timings;
}

/** `GOBIN=stage go install pkgs@version` for a module without replace directives. */
export async function goInstall(
  ctx: RecipeContext,
  o: {
    label: string;
    module: string;
    version: string;
    pkgs: string[];
    tags?: string;
    ldflags: string;
    cgo?: boolean;
    buildmode?: string;
  },
  stage: string,
  work: string,
  timings: StepTiming[],
): Promise<void> {
  const m = await download(`${o.module}@${o.version}`, work);
  if (hasReplace(readFileSync(m.GoMod, "utf8")))
    throw new BasaltError(
      "failed_precondition",
      `${o.module}@${o.version} has replace directives; go install refuses it`,
      {
        hint: "build it through a wrapper module as the Kubernetes recipe does",
      },
    );
  const args = [
    "install",
    "-p",
    String(ctx.jobs),
    "-trimpath",
    ...(o.buildmode ? [`-buildmode=${o.buildmode}`] : []),
  ];
  if (o.tags) args.push("-tags", o.tags);
  args.push("-ldflags", o.ldflags, ...o.pkgs.map((p) => `${p}@${o.version}`));
  await timedStep(o.label, "go", args, {
    cwd: work,
    env: goEnv({ GOBIN: stage, CGO_ENABLED: o.cgo ? "1" : "0" }),
    timings,
    log: ctx.log,
  });
}
