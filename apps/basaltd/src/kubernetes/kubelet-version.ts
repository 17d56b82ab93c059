import type { Host } from "../host.ts";

/** `kubelet --version` prints one line, "Kubernetes v1.34.4"; more than this is not a version. */
const maxOutputBytes = 4096;
const timeoutMs = 60_000;

/** The version in `kubelet --version`'s output ("v1.34.4"), or undefined when there is none. */
export function parseKubeletVersion(output: string): string | undefined {
  return /^Kubernetes (v\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?)\s*$/m.exec(output)?.[1];
}

/**
 * The version of the kubelet this node runs, read once from the binary (`kubelet --version`) when
 * first asked for, not at boot (a Go binary of 126 MB takes seconds to start under emulation, and
 * the boot has better use for them). The binary lives on the read-only root, so the answer holds
 * until the next boot. Until the read ends, and when it failed, the version is "" (unknown: the
 * controller then uses the Node's own kubeletVersion).
 */
export class KubeletVersion {
  readonly #host: Pick<Host, "spawn">;
  readonly #binary: string;
  readonly #log: (message: string) => void;
  #version = "";
  #read: Promise<void> | undefined;

  constructor(host: Pick<Host, "spawn">, binary: string, log: (message: string) => void = () => {}) {
    this.#host = host;
    this.#binary = binary;
    this.#log = log;
  }

  /** The version, or "" while it is being read (the first call starts the read) or could not be. */
  get version(): string {
    this.#read ??= readVersion(this.#host, this.#binary).then(
      (v) => {
        this.#version = v;
      },
      (err: Error) => this.#log(`kubelet version unknown: ${err.message}`),
    );
    return this.#version;
  }

  /** Resolves once the read that `version` started ended, either way. */
  settled(): Promise<void> {
    return this.#read ?? Promise.resolve();
  }
}

function readVersion(host: Pick<Host, "spawn">, binary: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const { child } = host.spawn([binary, "--version"], { env: {} });
    let out = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (s: string) => {
      if (out.length < maxOutputBytes) out += s.slice(0, maxOutputBytes - out.length);
    });
    child.stderr?.resume();
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      const version = parseKubeletVersion(out);
      if (code === 0 && version) resolve(version);
      else
        reject(
          new Error(
            `${binary} --version ${signal ? `was killed (${signal})` : `exited ${code}`}${version ? "" : `, printed ${JSON.stringify(out.slice(0, 80))}`}`,
          ),
        );
    });
  });
}
