/**
 * Which kernel module files to load, dependencies first, as `modprobe` would: resolved from the text
 * of modules.dep and modules.builtin. Pure, so the imager (which modules go into the initramfs and
 * the root) and basaltd (what it loads at boot) plan the same way.
 */
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
 * Resolves module names against modules.dep and modules.builtin. Each modules.dep line lists a
 * module's whole dependency set; loading every dependency (recursively) first gives a valid order.
 * Modules in `loaded` (from /proc/modules) are skipped.
 */
export function planModules(
  wanted: readonly string[],
  modulesDep: string,
  modulesBuiltin: string,
  loaded: ReadonlySet<string> = new Set(),
): ModulePlan {
  const deps = new Map<string, { path: string; deps: string[] }>();
  for (const line of modulesDep.split("\n")) {
    const [path, rest] = line.split(":");
    if (!path || rest === undefined) continue;
    deps.set(moduleName(path), { path, deps: rest.trim().split(/\s+/).filter(Boolean) });
  }
  const builtinNames = new Set(modulesBuiltin.split("\n").filter(Boolean).map(moduleName));
  const plan: ModulePlan = { files: [], builtin: [], missing: [] };
  const seen = new Set<string>(loaded);
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
    else if (!loaded.has(name)) plan.missing.push(name);
  }
  return plan;
}
