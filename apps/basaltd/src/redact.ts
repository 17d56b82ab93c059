import type { Role } from "@basalt/machinery";

/**
 * What readers may not see. Command lines often carry tokens and passwords (`--token=…`), and a
 * bundle URL may carry a signed query string or credentials; readers and operators get the shape,
 * admins the whole text.
 */
export function mayReadSecrets(roles: readonly Role[]): boolean {
  return roles.includes("os:admin");
}

/** The program alone, with a count of what was hidden: `/usr/bin/etcd (12 arguments hidden)`. */
export function redactArgv(argv: readonly string[]): string {
  const [program = "", ...args] = argv;
  if (args.length === 0) return program;
  return `${program} (${args.length} argument${args.length === 1 ? "" : "s"} hidden)`;
}

/** A process's arguments as readers see them: the command's first word, the rest hidden. */
export function redactArgs(args: string): string {
  return redactArgv(args.split(" ").filter(Boolean));
}

/** A URL without its credentials, query string and fragment. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    const hidden = u.username || u.password || u.search || u.hash;
    u.username = "";
    u.password = "";
    u.search = "";
    u.hash = "";
    return hidden ? `${u.href} (query and credentials hidden)` : u.href;
  } catch {
    return "(an unparseable URL)";
  }
}

/** Replaces every URL in a message with its redacted form. */
export function redactUrlsIn(text: string): string {
  return text.replace(/\bhttps?:\/\/[^\s"']+/g, (match) => {
    // Punctuation that ends a sentence ("…?sig=1: refused") is not part of the URL.
    const url = match.replace(/[:.,;)]+$/, "");
    return redactUrl(url) + match.slice(url.length);
  });
}
