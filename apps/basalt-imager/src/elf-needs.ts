/** The NEEDED entries of `objdump -p` output: the shared libraries a binary links against. */
export function parseNeeded(objdumpOutput: string): string[] {
  return [...objdumpOutput.matchAll(/^\s+NEEDED\s+(\S+)$/gm)].map((m) => m[1]!);
}

/**
 * Every library a set of binaries needs, transitively. `needs(name)` answers for one library
 * (by soname); the result is sorted so the initramfs is the same on every build.
 */
export async function neededClosure(
  direct: readonly string[],
  needs: (soname: string) => Promise<string[]>,
): Promise<string[]> {
  const seen = new Set<string>();
  const queue = [...direct];
  while (queue.length > 0) {
    const lib = queue.pop()!;
    if (seen.has(lib)) continue;
    seen.add(lib);
    queue.push(...(await needs(lib)));
  }
  return [...seen].sort();
}

/**
 * The NEEDED entries no library in the tree provides: `file needs soname`, sorted. `needs` maps each
 * ELF file (root-relative) to its NEEDED sonames; `available` holds the sonames in the library dirs.
 */
export function unresolvedNeeds(
  needs: ReadonlyMap<string, readonly string[]>,
  available: ReadonlySet<string>,
): string[] {
  const out: string[] = [];
  for (const [file, sonames] of needs)
    for (const s of sonames) if (!available.has(s)) out.push(`/${file} needs ${s}`);
  return out.sort();
}
