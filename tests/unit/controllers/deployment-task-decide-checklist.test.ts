import { item } from "./deployment-task-fixtures.js";
import { runDecisionTable, type Row } from "./deployment-task-decide-table.js";

const rows: Row[] = [
  {
    situation: "a required item still pending: in progress, naming it",
    spec: { checklist: [item.done("a"), item.pending("b")] },
    phase: "Ready",
    succeeded: ["Unknown", "InProgress"],
    progress: "1/2",
    says: [{ condition: "Succeeded", text: "1 of 2 required checklist items are done; waiting for item b." }],
  },
  {
    situation: "an optional item still pending does not hold the task back",
    spec: { checklist: [item.done("a"), item.optional("nice", "Pending")] },
    phase: "Succeeded",
    succeeded: ["True", "ChecklistComplete"],
    progress: "1/1",
  },
  {
    situation: "a Skipped optional item does not hold the task back",
    spec: { checklist: [item.done("a"), item.optional("nice", "Skipped")] },
    phase: "Succeeded",
    succeeded: ["True", "ChecklistComplete"],
    progress: "1/1",
  },
  {
    situation: "only optional items, all done: never succeeds on its own",
    spec: { checklist: [item.optional("nice", "Done")] },
    phase: "Ready",
    succeeded: ["Unknown", "NoRequiredItems"],
    progress: "0/0",
    says: [{ condition: "Succeeded", text: "The checklist has no required items" }],
  },
  {
    situation: "an empty checklist never succeeds on its own",
    phase: "Ready",
    succeeded: ["Unknown", "NoRequiredItems"],
    progress: "0/0",
    says: [{ condition: "Succeeded", text: "The checklist is empty; add at least one required item" }],
  },
  {
    situation: "evidence required and missing: the Done item does not count and the message says so",
    spec: { checklist: [item.done("scan", { requiresEvidence: true })] },
    phase: "Ready",
    succeeded: ["Unknown", "InProgress"],
    progress: "0/1",
    says: [
      { condition: "Succeeded", text: "item scan is Done but has no evidence attached, which it requires" },
    ],
  },
  {
    situation: "evidence required and attached as a URI",
    spec: { checklist: [item.done("scan", { requiresEvidence: true, evidence: { uri: "https://scan/1" } })] },
    phase: "Succeeded",
    succeeded: ["True", "ChecklistComplete"],
    progress: "1/1",
  },
  {
    situation: "evidence required and attached as a digest",
    spec: { checklist: [item.done("scan", { requiresEvidence: true, evidence: { digest: "sha256:ab" } })] },
    phase: "Succeeded",
    succeeded: ["True", "ChecklistComplete"],
  },
  {
    situation: "evidence with notes only does not count",
    spec: { checklist: [item.done("scan", { requiresEvidence: true, evidence: { notes: "trust me" } })] },
    phase: "Ready",
    succeeded: ["Unknown", "InProgress"],
    progress: "0/1",
  },
  {
    situation: "evidence recording a Failed result does not count",
    spec: {
      checklist: [
        item.done("scan", { requiresEvidence: true, evidence: { uri: "https://scan/1", result: "Failed" } }),
      ],
    },
    phase: "Ready",
    succeeded: ["Unknown", "InProgress"],
    says: [{ condition: "Succeeded", text: "item scan is Done but its evidence records a Failed result" }],
  },
  {
    situation: "a failed required item fails the task",
    spec: { checklist: [item.done("a"), item.failed("smoke")] },
    phase: "Failed",
    succeeded: ["False", "ChecklistItemFailed"],
    says: [{ condition: "Succeeded", text: "Checklist item smoke has failed." }],
    events: ["ChecklistItemFailed"],
  },
  {
    situation: "a failed optional item fails the task too",
    spec: { checklist: [item.done("a"), item.optional("nice", "Failed")] },
    phase: "Failed",
    succeeded: ["False", "ChecklistItemFailed"],
  },
  {
    situation: "a failed item outranks pending dependencies, which are still reported",
    deps: { scan: "Ready" },
    spec: { checklist: [item.failed("a")] },
    phase: "Failed",
    succeeded: ["False", "ChecklistItemFailed"],
    blocked: ["True", "DependenciesPending"],
    blockedBy: ["scan"],
  },
];

runDecisionTable("decideTask: checklist", rows);
