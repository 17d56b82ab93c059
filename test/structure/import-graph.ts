import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

/**
 * The import graph of the workspaces (apps/* and packages/*), read from their TypeScript sources,
 * and the rules the house is built on: apps sit on top of packages, no app imports another app, no
 * package imports an app, packages form no cycle, production code never imports the test kit, and
 * every cross-workspace import of production code is a declared dependency.
 */
export interface Workspace {
  /** "apps/basaltd", "packages/kube". */
  dir: string;
  /** "@basalt/basaltd". */
  name: string;
  kind: "app" | "package";
  dependencies: ReadonlySet<string>;
}

/** One import of one workspace's file into another workspace. */
export interface Edge {
  file: string;
  from: string;
  to: string;
  /** The importing file is a test or test support (not shipped). */
  test: boolean;
}

const testkit = "packages/testkit";

/** Test files and the helpers only they use: `*.test.ts` and anything under a `test-support/` folder. */
export function isTestFile(file: string): boolean {
  return file.endsWith(".test.ts") || file.includes("/test-support/");
}

/** Module specifiers of static imports, re-exports and dynamic imports, comments removed first. */
export function importSpecifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const out: string[] = [];
  const patterns = [
    /^\s*(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']/gms,
    /^\s*import\s*["']([^"']+)["']/gm,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const p of patterns) for (const m of code.matchAll(p)) out.push(m[1]!);
  return out;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === "node_modules" || e.name === "gen" || e.name === "dist") continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts")) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Every workspace under `root`, from its package.json. */
export function readWorkspaces(root: string): Workspace[] {
  const out: Workspace[] = [];
  for (const kind of ["apps", "packages"] as const) {
    for (const name of readdirSync(join(root, kind)).sort()) {
      const pkg = join(root, kind, name, "package.json");
      if (!existsSync(pkg)) continue;
      const json = JSON.parse(readFileSync(pkg, "utf8")) as { name: string; dependencies?: object };
      out.push({
        dir: `${kind}/${name}`,
        name: json.name,
        kind: kind === "apps" ? "app" : "package",
        dependencies: new Set(Object.keys(json.dependencies ?? {})),
      });
    }
  }
  return out;
}

/** The cross-workspace imports of every workspace's sources. */
export function readEdges(root: string, workspaces: readonly Workspace[]): Edge[] {
  const byName = new Map(workspaces.map((w) => [w.name, w.dir]));
  const owner = (path: string) => workspaces.find((w) => path === w.dir || path.startsWith(`${w.dir}/`))?.dir;
  const edges: Edge[] = [];
  for (const w of workspaces) {
    for (const abs of sources(join(root, w.dir))) {
      const file = relative(root, abs);
      for (const spec of importSpecifiers(readFileSync(abs, "utf8"))) {
        let to: string | undefined;
        if (spec.startsWith(".")) to = owner(normalize(join(dirname(file), spec)));
        else to = byName.get(spec.split("/").slice(0, 2).join("/"));
        if (to !== undefined && to !== w.dir) edges.push({ file, from: w.dir, to, test: isTestFile(file) });
      }
    }
  }
  return edges;
}

/** A cycle among `edges` (as a path a → b → … → a), or undefined. */
export function findCycle(edges: readonly Pick<Edge, "from" | "to">[]): string[] | undefined {
  const next = new Map<string, Set<string>>();
  for (const e of edges) {
    if (!next.has(e.from)) next.set(e.from, new Set());
    next.get(e.from)!.add(e.to);
  }
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === "open") return [...path.slice(path.indexOf(n)), n];
    if (state.get(n) === "done") return undefined;
    state.set(n, "open");
    path.push(n);
    for (const m of [...(next.get(n) ?? [])].sort()) {
      const found = visit(m);
      if (found) return found;
    }
    path.pop();
    state.set(n, "done");
    return undefined;
  };
  for (const n of [...next.keys()].sort()) {
    const found = visit(n);
    if (found) return found;
  }
  return undefined;
}

/** Every broken rule, as a sentence naming the file; empty when the house stands. */
export function violations(workspaces: readonly Workspace[], edges: readonly Edge[]): string[] {
  const ws = new Map(workspaces.map((w) => [w.dir, w]));
  const out: string[] = [];
  for (const e of edges) {
    const from = ws.get(e.from)!;
    const to = ws.get(e.to)!;
    if (from.kind === "app" && to.kind === "app") out.push(`${e.file}: an app imports another app (${e.to})`);
    if (from.kind === "package" && to.kind === "app")
      out.push(`${e.file}: a package imports an app (${e.to})`);
    if (!e.test && e.to === testkit && e.from !== testkit)
      out.push(`${e.file}: production code imports the test kit`);
    if (!e.test && !from.dependencies.has(to.name))
      out.push(`${e.file}: imports ${to.name}, which ${e.from}/package.json does not declare`);
  }
  // Production edges between packages must form no cycle (tests may import the test kit, which
  // imports the package under test: that is not a layer going up).
  const cycle = findCycle(edges.filter((e) => !e.test && ws.get(e.to)!.kind === "package"));
  if (cycle) out.push(`import cycle between packages: ${cycle.join(" → ")}`);
  return out;
}

/** Layers, bottom first: each workspace with the packages it imports in production code. */
export function layers(workspaces: readonly Workspace[], edges: readonly Edge[]): string[] {
  return workspaces.map((w) => {
    const deps = [...new Set(edges.filter((e) => e.from === w.dir && !e.test).map((e) => e.to))].sort();
    return `${w.dir} → ${deps.join(", ") || "(nothing)"}`;
  });
}
