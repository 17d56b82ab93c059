/**
 * The yardstick for fan-out: local sshd listening on N loopback addresses (one "host" each), a
 * client key, an Ansible inventory of those hosts, and the commands that ask each host one
 * question — as Ansible ad-hoc does it and as N parallel `ssh` do. Everything lives in a temporary
 * directory and the sshd are this process's children; nothing of the machine's own ssh setup is used.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export interface SshYardstick {
  /** `ansible all -m command -a 'uname -r' -f N` over the inventory; resolves with each host's answer. */
  ansible(): Promise<string[]>;
  /** One `ssh host uname -r` per host, all at once; resolves with each host's answer. */
  parallelSsh(): Promise<string[]>;
  stop(): Promise<void>;
}

/** Where each tool comes from on Debian 12, for the error that names what is missing. */
const tools: Record<string, string> = {
  "/usr/sbin/sshd": "openssh-server",
  "/usr/bin/ssh": "openssh-client",
  "/usr/bin/ssh-keygen": "openssh-client",
  "/usr/bin/ansible": "ansible-core",
};

function requireTools(): void {
  const missing = Object.entries(tools).filter(([path]) => !existsSync(path));
  if (missing.length > 0)
    throw new Error(
      `the ssh yardstick needs ${missing.map(([p]) => p).join(", ")}: apt-get install --no-install-recommends ${[
        ...new Set(missing.map(([, pkg]) => pkg)),
      ].join(" ")}`,
    );
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { env: { ...process.env, ...env }, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(" ")} failed: ${stderr || err.message}`)) : resolve(stdout),
    ),
  );
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** Starts the sshd on `port` of every address in `addresses` (root: sshd must switch to the user). */
export async function startSshYardstick(
  dir: string,
  addresses: string[],
  port: number,
): Promise<SshYardstick> {
  requireTools();
  mkdirSync(dir, { recursive: true });
  mkdirSync("/run/sshd", { recursive: true }); // sshd's privilege-separation directory
  const key = join(dir, "client_key");
  const hostKey = join(dir, "host_key");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey]);
  execFileSync("cp", [`${key}.pub`, join(dir, "authorized_keys")]);
  // sshd listens on at most 16 sockets (MAX_LISTEN_SOCKS): one daemon per 16 addresses.
  const groups = Array.from({ length: Math.ceil(addresses.length / 16) }, (_, g) =>
    addresses.slice(g * 16, g * 16 + 16),
  );
  const daemons: { process: ChildProcess; exited: Promise<unknown> }[] = [];
  const stopAll = async () => {
    for (const d of daemons) d.process.kill();
    await Promise.all(daemons.map((d) => d.exited));
  };
  try {
    for (const [g, group] of groups.entries()) {
      const config = join(dir, `sshd_config.${g}`);
      writeFileSync(
        config,
        [
          ...group.map((a) => `ListenAddress ${a}:${port}`),
          `HostKey ${hostKey}`,
          `PidFile ${join(dir, `sshd.${g}.pid`)}`,
          `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
          "StrictModes no",
          "UsePAM no",
          "PasswordAuthentication no",
          "KbdInteractiveAuthentication no",
          "PermitRootLogin prohibit-password",
          // Clients arrive at once: let them all in (the default starts refusing at 10 unauthenticated).
          `MaxStartups ${addresses.length * 4}`,
          "LogLevel ERROR",
          "",
        ].join("\n"),
      );
      const p = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", config], {
        stdio: ["ignore", "ignore", "inherit"],
      });
      daemons.push({ process: p, exited: new Promise((r) => p.once("exit", r)) });
      for (let i = 0; !(await portOpen(group.at(-1)!, port)); i++) {
        if (i > 100 || p.exitCode !== null)
          throw new Error(`the yardstick's sshd for ${group[0]}… did not start listening`);
        await sleep(100);
      }
    }
  } catch (err) {
    await stopAll();
    throw err;
  }

  const sshOptions = [
    "-i",
    key,
    "-p",
    String(port),
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "BatchMode=yes",
    "-o",
    "LogLevel=ERROR",
  ];
  writeFileSync(
    join(dir, "inventory"),
    `${addresses.map((a, i) => `host-${i + 1} ansible_host=${a} ansible_port=${port}`).join("\n")}\n`,
  );
  // Ansible's defaults otherwise, including its SSH ControlPersist: what a user gets out of the box.
  writeFileSync(
    join(dir, "ansible.cfg"),
    [
      "[defaults]",
      `inventory = ${join(dir, "inventory")}`,
      "remote_user = root",
      `private_key_file = ${key}`,
      "host_key_checking = False",
      "interpreter_python = /usr/bin/python3",
      `forks = ${addresses.length}`,
      `local_tmp = ${join(dir, "ansible-local")}`,
      "[ssh_connection]",
      `control_path_dir = ${join(dir, "cp")}`,
      "",
    ].join("\n"),
  );
  const ansibleEnv = { ANSIBLE_CONFIG: join(dir, "ansible.cfg"), HOME: dir };

  return {
    async ansible() {
      const out = await run("ansible", ["all", "-o", "-m", "command", "-a", "uname -r"], ansibleEnv);
      const answers = out.split("\n").filter((l) => /\| CHANGED \| rc=0/.test(l));
      if (answers.length !== addresses.length)
        throw new Error(`ansible answered for ${answers.length} of ${addresses.length} hosts:\n${out}`);
      return answers;
    },
    async parallelSsh() {
      return Promise.all(addresses.map((a) => run("ssh", [...sshOptions, `root@${a}`, "uname -r"])));
    },
    stop: stopAll,
  };
}
