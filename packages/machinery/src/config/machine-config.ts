import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { BasaltError } from "../errors.ts";
import { parseWith } from "./issues.ts";
import { kubernetesSchema, redacted, redactToken } from "./kubernetes-config.ts";

const pem = (what: string) =>
  z.string().refine((s) => s.includes("-----BEGIN "), { message: `expected a PEM-encoded ${what}` });

const hostPort = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/, {
  message: "expected address:port, e.g. 127.0.0.2:50000",
});

const serviceHealth = z.union([
  z.strictObject({ unixSocket: z.string().startsWith("/") }),
  z.strictObject({ tcp: hostPort }),
  z.strictObject({ http: z.url() }),
  /**
   * HTTPS on loopback without verifying the certificate: the control plane's /readyz and /healthz
   * (apiserver, controller-manager, scheduler serve them only over TLS, on self-signed or cluster
   * certificates); their answer is no secret, and loopback cannot be intercepted off the node.
   */
  z.strictObject({
    https: z.url({
      protocol: /^https$/,
      hostname: /^(127\.\d+\.\d+\.\d+|localhost)$/,
      message: "expected an https URL on loopback, e.g. https://127.0.0.1:6443/readyz",
    }),
  }),
]);

const serviceSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: "expected a lowercase name like containerd" }),
  command: z.array(z.string()).min(1, { message: "expected the program and its arguments" }),
  env: z.record(z.string(), z.string()).default({}),
  workingDir: z.string().startsWith("/").optional(),
  restart: z.enum(["always", "on-failure", "never"]).default("always"),
  health: serviceHealth.optional(),
  /** Started automatically when basaltd starts. */
  autostart: z.boolean().default(true),
  stopTimeoutSeconds: z.number().positive().default(10),
});

/** Whether `text` is a dotted-quad IPv4 address with every octet 0–255 and no leading zeros. */
export function isIpv4(text: string): boolean {
  const parts = text.split(".");
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

/** Whether `text` is an IPv4 address with a prefix length 0–32, e.g. 10.0.2.15/24. */
export function isIpv4Cidr(text: string): boolean {
  const m = /^([^/]+)\/(0|[1-9]\d?)$/.exec(text);
  return !!m && isIpv4(m[1]!) && Number(m[2]) <= 32;
}

const ipv4Cidr = z.string().refine(isIpv4Cidr, {
  message: "expected an IPv4 address (octets 0–255) with a prefix length 0–32, e.g. 10.0.2.15/24",
});

/** The most one log file may grow to before it rotates: logs live on STATE beside everything else. */
export const maxLogBytes = 256 * 1024 * 1024;

const interfaceSchema = z.strictObject({
  /** Kernel name of the link (no udev renaming on a Basalt node: eth0, eth1, ...). */
  name: z.string().regex(/^[a-zA-Z0-9_.-]{1,15}$/, { message: "expected an interface name like eth0" }),
  addresses: z.array(ipv4Cidr).default([]),
  routes: z
    .array(z.strictObject({ to: z.union([z.literal("default"), ipv4Cidr]), via: z.ipv4() }))
    .default([]),
  mtu: z.number().int().min(576).max(65535).optional(),
});

export const machineConfigSchema = z.strictObject({
  apiVersion: z.literal("basalt.dev/v1alpha1"),
  kind: z.literal("MachineConfig"),
  node: z.strictObject({
    name: z.string().min(1),
    mode: z.enum(["agent", "init"]).default("agent"),
    labels: z.record(z.string(), z.string()).default({}),
  }),
  api: z.strictObject({
    listen: hostPort,
    ca: pem("CA certificate"),
    cert: pem("certificate"),
    key: pem("private key"),
    /**
     * Client certificate serial numbers (hex) refused from now on, live connections included: a
     * leaked certificate is revoked by listing it here (ConfigService, no reboot needed).
     */
    revokedSerials: z
      .array(
        z.string().regex(/^[0-9a-fA-F]{1,40}$|^([0-9a-fA-F]{2}:)*[0-9a-fA-F]{2}$/, {
          message: "expected a certificate serial number in hex, e.g. 4F2A9C01",
        }),
      )
      .max(10_000)
      .default([]),
    /** How much of the node one client may hold; admins keep a reserve a flood of others cannot take. */
    limits: z
      .strictObject({
        /** TCP connections in total, handshakes included. */
        connections: z.number().int().min(8).max(65536).default(512),
        /** Connections (and calls, follow streams, file reads) only admins may use once others hold the rest. */
        adminReserve: z.number().int().min(1).default(16),
        /** Authenticated connections per client certificate (admins: four times as many). */
        connectionsPerPeer: z.number().int().min(1).default(16),
        /** Calls in flight per client certificate, across its connections (admins: four times as many). */
        callsPerPeer: z.number().int().min(1).default(32),
        /** Calls in flight in total. */
        calls: z.number().int().min(8).default(1024),
        /** Followed log/dmesg/event/audit streams in total and per client certificate. */
        followStreams: z.number().int().min(2).default(128),
        followStreamsPerPeer: z.number().int().min(1).default(8),
        /** File reads and listings in flight in total and per client certificate. */
        fileReads: z.number().int().min(2).default(32),
        fileReadsPerPeer: z.number().int().min(1).default(4),
        /** A TLS handshake not finished in this time is dropped. */
        handshakeTimeoutMs: z.number().int().min(100).max(60_000).default(5000),
      })
      .prefault({}),
  }),
  network: z
    .strictObject({
      hostname: z
        .string()
        .regex(/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/, { message: "expected a hostname" }),
      /** Static addressing, applied by basaltd in init mode (agent mode leaves the host's network alone). */
      interfaces: z.array(interfaceSchema).default([]),
      /** Written to /run/resolv.conf in init mode. */
      nameservers: z.array(z.ipv4()).default([]),
    })
    .optional(),
  paths: z
    .strictObject({
      logs: z.string().startsWith("/").default("/var/log/basalt"),
      run: z.string().startsWith("/").default("/run/basalt"),
      /** The audit trail (on STATE in init mode); outside the logs so readers cannot read it as a file. */
      audit: z.string().startsWith("/").default("/var/lib/basalt/audit"),
    })
    .prefault({}),
  audit: z
    .strictObject({
      /** Size of one audit file before it rotates, and how many rotated files are kept. */
      maxBytes: z
        .number()
        .int()
        .min(64 * 1024)
        .max(1024 * 1024 * 1024)
        .default(16 * 1024 * 1024),
      keep: z.number().int().min(1).max(50).default(8),
    })
    .prefault({}),
  logging: z
    .strictObject({
      maxBytes: z
        .number()
        .int()
        .min(4096)
        .max(maxLogBytes, { message: `expected at most ${maxLogBytes} bytes (256 MiB)` })
        .default(10 * 1024 * 1024),
      keep: z.number().int().min(1).max(20).default(3),
    })
    .prefault({}),
  files: z
    .strictObject({
      allow: z
        .array(z.string().startsWith("/"))
        .default(["/proc", "/sys", "/var/log/basalt", "/etc/os-release"]),
    })
    .prefault({}),
  services: z.array(serviceSchema).default([]),
  update: z
    .strictObject({
      /** Ed25519 public keys (PEM) whose signatures this node accepts on update bundles. */
      trustedKeys: z
        .array(z.string().includes("BEGIN PUBLIC KEY", { message: "expected a PEM public key" }))
        .default([]),
      /** A new version that is not healthy this long after boot is abandoned (reboot → fallback). */
      healthDeadlineSeconds: z.number().int().min(10).default(300),
    })
    .prefault({}),
  containers: z
    .strictObject({
      /** containerd's gRPC socket: CRI for pods, containers and images, its own API for imports. */
      socket: z.string().startsWith("/").default("/run/containerd/containerd.sock"),
      /** The snapshotter images are unpacked into (CRI's default). */
      snapshotter: z
        .string()
        .regex(/^[a-z0-9.-]+$/)
        .default("overlayfs"),
    })
    .prefault({}),
  power: z
    .strictObject({
      /** Reboot and Shutdown refuse in agent mode unless this is true. */
      allowInAgentMode: z.boolean().default(false),
      /**
       * Agent mode: Reboot is allowed while the OS itself asks for one (/run/reboot-required), even
       * when allowInAgentMode is false — so an upgrade plan's rebootPending target works with the
       * default config. Shutdown is not affected. Set false to refuse every API reboot in agent mode.
       */
      rebootWhenPending: z.boolean().default(true),
    })
    .prefault({}),
  /** This node is a Kubernetes node: in init mode basaltd runs containerd, kubelet and kube-proxy only. */
  kubernetes: kubernetesSchema.optional(),
});

/**
 * A certificate serial number as Node reports it (upper-case hex, no colons, no leading zeros), so
 * `4f:2a:9c:01`, `04F2A9C01` and `4F2A9C01` name the same certificate.
 */
export function normalizeSerial(serial: string): string {
  return serial
    .replaceAll(":", "")
    .toUpperCase()
    .replace(/^0+(?=.)/, "");
}

export type MachineConfig = z.infer<typeof machineConfigSchema>;
export type ServiceConfig = z.infer<typeof serviceSchema>;
export type ServiceHealth = z.infer<typeof serviceHealth>;
export type InterfaceConfig = z.infer<typeof interfaceSchema>;
export type MachineConfigInput = z.input<typeof machineConfigSchema>;

/** Parses and validates a machine config from YAML; every problem is listed by path. */
export function parseMachineConfig(text: string): MachineConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new BasaltError("invalid_argument", `machine config is not valid YAML: ${(err as Error).message}`);
  }
  return validateMachineConfig(doc);
}

/**
 * Validates an already-parsed machine config document (the same checks as at boot: the schema, then
 * unique service names and a Kubernetes node without services); every problem is listed by path.
 */
export function validateMachineConfig(doc: unknown): MachineConfig {
  const config = parseWith(machineConfigSchema, doc, "machine config");
  const names = new Set<string>();
  for (const [i, s] of config.services.entries()) {
    if (names.has(s.name)) {
      throw new BasaltError(
        "invalid_argument",
        `invalid machine config:\n  services.${i}.name: duplicate service "${s.name}"`,
      );
    }
    names.add(s.name);
  }
  if (config.kubernetes && config.services.length > 0) {
    throw new BasaltError(
      "invalid_argument",
      "invalid machine config:\n  services: a node with a kubernetes section runs only Kubernetes (basaltd supervises containerd, kubelet and kube-proxy itself); remove services",
    );
  }
  return config;
}

/**
 * The config as shown to someone who is not an admin (or written to a log): the node's private key
 * the bootstrap token's secret half and the control plane's private keys are replaced by `<redacted>`.
 */
export function redactMachineConfig(config: MachineConfig): MachineConfig {
  return {
    ...config,
    api: { ...config.api, key: redacted },
    ...(config.kubernetes
      ? {
          kubernetes: {
            ...config.kubernetes,
            bootstrapToken: redactToken(config.kubernetes.bootstrapToken),
            ...(config.kubernetes.controlPlane
              ? {
                  controlPlane: {
                    ...config.kubernetes.controlPlane,
                    caKey: redacted,
                    etcdCA: { ...config.kubernetes.controlPlane.etcdCA, key: redacted },
                    frontProxyCA: { ...config.kubernetes.controlPlane.frontProxyCA, key: redacted },
                    serviceAccountKey: redacted,
                  },
                }
              : {}),
          },
        }
      : {}),
  };
}
