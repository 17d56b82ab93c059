/**
 * The OpenAPI v3 schema of an UpgradePlan, mirroring plan-spec.ts field by field (with the same
 * defaults in the descriptions; the defaults themselves live in resolvePlanSpec, so that a plan
 * applied before a default changed follows the new default). The apiserver rejects what this schema
 * can express; the rest (a window whose end equals its start, an unknown time zone) is caught by
 * validatePlanSpec and shown in the plan's status.
 */

type Schema = Record<string, unknown>;

const int = (description: string, minimum = 0): Schema => ({ type: "integer", minimum, description });
const str = (description: string, extra: Schema = {}): Schema => ({ type: "string", description, ...extra });
const bool = (description: string): Schema => ({ type: "boolean", description });
const obj = (description: string, properties: Record<string, Schema>, required?: string[]): Schema => ({
  type: "object",
  description,
  properties,
  ...(required ? { required } : {}),
});

/** A count, or a percentage such as "10%" of the nodes concerned (rounded down, at least 1). */
const quantity = (description: string, minimum = 1): Schema => ({
  description: `${description} A count, or a percentage such as "10%" (rounded down, at least 1).`,
  "x-kubernetes-int-or-string": true,
  // A structural schema cannot type the branches of an int-or-string, so CEL checks each form.
  "x-kubernetes-validations": [
    {
      rule: `type(self) == int ? self >= ${minimum} : self.matches('^[0-9]+(\\\\.[0-9]+)?%$')`,
      message: `must be a whole number ≥ ${minimum} or a percentage such as "10%"`,
    },
  ],
});

const clock = (description: string): Schema =>
  str(description, { pattern: "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$" });

const labelSelector: Schema = obj("Nodes in scope; empty selects every node.", {
  matchLabels: {
    type: "object",
    additionalProperties: { type: "string" },
    description: "Labels a node must carry, key → value.",
  },
  matchExpressions: {
    type: "array",
    description: "Requirements a node's labels must meet, all of them.",
    items: obj(
      "One requirement.",
      {
        key: str("The label key."),
        operator: { type: "string", enum: ["In", "NotIn", "Exists", "DoesNotExist"] },
        values: { type: "array", items: { type: "string" } },
      },
      ["key", "operator"],
    ),
  },
});

const specSchema: Schema = obj(
  "What to roll, to which nodes, how fast, when, and what counts as healthy afterwards.",
  {
    target: obj(
      "What to roll: an OS image, a Kubernetes version, both in one drain and one reboot, or (agent mode) a pending reboot.",
      {
        os: obj(
          "The OS image to install.",
          {
            version: str("The OS version the nodes must report.", { minLength: 1 }),
            bundleUrl: str("Where the signed update bundle is (http or https).", {
              pattern: "^https?://\\S+$",
            }),
          },
          ["version", "bundleUrl"],
        ),
        kubernetes: obj(
          "The kubelet version to run.",
          { version: str('e.g. "1.34.4".', { pattern: "^v?[0-9]+\\.[0-9]+\\.[0-9]+(\\S*)$" }) },
          ["version"],
        ),
        rebootPending: bool("Reboot the nodes that report /var/run/reboot-required (agent mode)."),
      },
    ),
    nodeSelector: labelSelector,
    budget: obj(
      "How many nodes may be unavailable at once. Nodes unavailable for any other reason count too.",
      {
        maxUnavailable: quantity("Across the plan's nodes."),
        perZone: quantity("Per topology domain (a percentage is of that domain's nodes)."),
        zoneLabel: str('The node label naming the domain. Default "topology.kubernetes.io/zone".'),
      },
      ["maxUnavailable"],
    ),
    progression: obj("Canary first, then batches, with a soak between stages.", {
      canary: {
        description:
          "How many nodes go first (a count, default 1; 0 means no canary), or a list of node names.",
        "x-kubernetes-preserve-unknown-fields": true,
      },
      batchSize: quantity("Nodes per batch after the canary; absent means one batch paced by the budget."),
      soakSeconds: int("Wait after a stage has finished before the next starts. Default 0."),
    }),
    windows: {
      type: "array",
      description: "When new nodes may start; none means always.",
      items: obj(
        "A maintenance window; an end not after the start runs over midnight.",
        {
          days: {
            type: "array",
            minItems: 1,
            items: { type: "string", enum: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] },
          },
          start: clock('"HH:MM", local to timeZone.'),
          end: clock('"HH:MM" or "24:00", local to timeZone.'),
          timeZone: str('An IANA time zone such as "Europe/Berlin".', { minLength: 1 }),
        },
        ["days", "start", "end", "timeZone"],
      ),
    },
    exclusions: {
      type: "array",
      description: "Dates (YYYY-MM-DD) on which no node starts, not even in the critical lane.",
      items: { type: "string", pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" },
    },
    exclusionTimeZone: str("The zone the exclusion dates are read in. Default the first window's, else UTC."),
    priority: {
      type: "string",
      enum: ["normal", "critical"],
      description: "critical may start nodes outside the windows, under criticalBudget. Default normal.",
    },
    criticalBudget: obj(
      "The stricter budget of the critical lane. Default maxUnavailable 1.",
      {
        maxUnavailable: quantity("Across the plan's nodes."),
        perZone: quantity("Per topology domain."),
      },
      ["maxUnavailable"],
    ),
    drain: obj("How nodes are drained (through the Eviction API only).", {
      timeoutSeconds: int(
        "How long a PodDisruptionBudget may block before onBlocked applies. Default 600.",
        1,
      ),
      gracePeriodSeconds: int("Passed to each eviction; absent means each pod's own."),
      onBlocked: {
        type: "string",
        enum: ["wait", "skip", "force"],
        description:
          "Past the timeout: wait and report (default), skip the node for now, or force (deletes pods despite PDBs).",
      },
    }),
    health: obj("What counts as healthy after the reboot, and how long each step may take.", {
      readySeconds: int("Node Ready for at least this long. Default 60."),
      notReadyTimeoutSeconds: int("Back Ready on the target within this after the reboot. Default 600.", 1),
      upgradeTimeoutSeconds: int("The upgrade call finishes within this. Default 1800.", 1),
      verifyTimeoutSeconds: int("Health gates pass within this. Default 900.", 1),
      requireNodeHealthy: bool("The node API reports healthy. Default true."),
      requireWorkloadsReady: bool("The evicted pods' PDBs are healthy again. Default true."),
    }),
    failure: obj("What happens when nodes fail.", {
      maxFailed: quantity("Failures tolerated; one more pauses the plan. Default 1.", 0),
      onFailure: { type: "string", enum: ["rollback"], description: "Default rollback." },
      leaveCordoned: bool("Leave failed nodes cordoned. Default false."),
    }),
    paused: bool("Pauses (true) and resumes (false) the plan by hand."),
  },
  ["target", "budget"],
);

const condition: Schema = obj(
  "A standard condition.",
  {
    type: str("Progressing, Paused, Complete or Valid."),
    status: { type: "string", enum: ["True", "False", "Unknown"] },
    reason: str("A CamelCase reason."),
    message: str("Why, for a person."),
    lastTransitionTime: { type: "string", format: "date-time" },
    observedGeneration: { type: "integer" },
  },
  ["type", "status"],
);

const statusSchema: Schema = obj("The rollout at a glance; per-node state lives on the Nodes.", {
  observedGeneration: { type: "integer" },
  phase: {
    type: "string",
    enum: ["Progressing", "Paused", "Complete", "Invalid", "Waiting"],
    description: "One word for kubectl get.",
  },
  target: str("The target in short form (os=1.4.0,k8s=1.34.4)."),
  nodes: int("Nodes the selector matches."),
  counts: {
    type: "object",
    additionalProperties: { type: "integer" },
    description: "Nodes per status (pending, draining, done, failed, upToDate, ...).",
  },
  blocked: {
    type: "object",
    additionalProperties: { type: "integer" },
    description: "Waiting nodes per reason code (pdb, budget, zoneBudget, window, ...).",
  },
  unavailable: int("Unavailable nodes in scope now."),
  maxUnavailable: int("The budget now."),
  failed: int("Failed or rolled-back nodes."),
  maxFailed: int("Failures tolerated."),
  lane: { type: "string", enum: ["normal", "critical"] },
  stage: str("The stage new nodes go into: canary or batch N."),
  window: str("Why no node may start now, when the window is closed."),
  reasons: {
    type: "array",
    maxItems: 50,
    description: "Why nodes are not moving (a bounded sample; basaltctl rollout status shows every node).",
    items: obj("One node's reason.", {
      node: str("The node."),
      zone: str("Its topology domain."),
      status: str("Its status."),
      code: str("The reason as a code."),
      reason: str("The reason for a person."),
    }),
  },
  lastUpdateTime: { type: "string", format: "date-time" },
  conditions: {
    type: "array",
    items: condition,
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": ["type"],
  },
});

/** The openAPIV3Schema of UpgradePlan. */
export const upgradePlanSchema: Schema = obj(
  "Rolls OS and Kubernetes upgrades across nodes without taking down more capacity than allowed.",
  {
    apiVersion: { type: "string" },
    kind: { type: "string" },
    metadata: { type: "object" },
    spec: specSchema,
    status: statusSchema,
  },
  ["spec"],
);
