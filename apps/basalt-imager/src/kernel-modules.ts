/** The kernel modules to load, dependencies first, as `modprobe` would (from modules.dep). */
export interface ModulePlan {
  /** Paths relative to /lib/modules/<release>, in load order. */
  files: string[];
  /** Asked-for modules built into the kernel: nothing to load. */
  builtin: string[];
  /** Asked-for modules the kernel does not have at all. */
  missing: string[];
}

const moduleName = (path: string) =>
  path
    .slice(path.lastIndexOf("/") + 1)
    .replace(/\.ko(\.\w+)?$/, "")
    .replace(/-/g, "_");

/**
 * Resolves module names against modules.dep and modules.builtin text. Each modules.dep line already
 * lists a module's whole dependency set; loading every dependency (recursively) before the module
 * gives a valid order.
 */
export function planModules(
  wanted: readonly string[],
  modulesDep: string,
  modulesBuiltin: string,
): ModulePlan {
  const deps = new Map<string, { path: string; deps: string[] }>();
  for (const line of modulesDep.split("\n")) {
    const [path, rest] = line.split(":");
    if (!path || rest === undefined) continue;
    deps.set(moduleName(path), { path, deps: rest.trim().split(/\s+/).filter(Boolean) });
  }
  const builtinNames = new Set(modulesBuiltin.split("\n").filter(Boolean).map(moduleName));
  const plan: ModulePlan = { files: [], builtin: [], missing: [] };
  const seen = new Set<string>();
  const load = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const entry = deps.get(name);
    if (!entry) return;
    for (const d of entry.deps) load(moduleName(d));
    plan.files.push(entry.path);
  };
  for (const w of wanted) {
    const name = w.replace(/-/g, "_");
    if (deps.has(name)) load(name);
    else if (builtinNames.has(name)) plan.builtin.push(name);
    else plan.missing.push(name);
  }
  return plan;
}
