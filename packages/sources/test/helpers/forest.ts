/**
 * Generates forests of Claude Code sessions in the real on-disk formats of both CLI
 * generations, with the true links, for property tests of link recovery.
 *
 * - 1.0.x: every resume is a new id; the new file starts with a `summary` line whose
 *   `leafUuid` is the last message of the resumed file, then a copy of the history with new
 *   uuids (as 1.0.30 writes it), then the new turn.
 * - 2.1.x: `--resume` appends to the same file (no new id); `--fork-session` writes a new id
 *   whose file starts with `mode` and `queue-operation` lines stamped now, then the parent's
 *   messages with the same uuids and timestamps, then the new turn.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import fc from "fast-check"

export interface Message {
  readonly uuid: string
  readonly parentUuid: string | null
  readonly type: "user" | "assistant"
  readonly timestamp: string
  readonly text: string
}

export interface GeneratedSession {
  readonly id: string
  readonly generation: "1.0" | "2.1"
  readonly cwd: string
  readonly lines: Array<Record<string, unknown>>
  readonly messages: Array<Message>
}

export interface Forest {
  readonly sessions: Array<GeneratedSession>
  readonly links: Array<{ from: string; to: string; kind: "resume" | "fork" }>
}

/** One step: start a root, or act on an existing session (index taken modulo the count). */
export type Step =
  | { readonly op: "root"; readonly generation: "1.0" | "2.1"; readonly folder: number }
  | { readonly op: "resume"; readonly target: number }
  | { readonly op: "fork"; readonly target: number }

export const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    op: fc.constant("root" as const),
    generation: fc.constantFrom("1.0" as const, "2.1" as const),
    folder: fc.nat(2)
  }),
  fc.record({ op: fc.constant("resume" as const), target: fc.nat() }),
  fc.record({ op: fc.constant("fork" as const), target: fc.nat() })
)

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0")

/**
 * `scramble`: ids whose sort order is not the order they were made in (as real random uuids),
 * so that nothing can pass by ordering ids; without it, ids sort as they were made.
 */
export const buildForest = (steps: ReadonlyArray<Step>, options: { readonly scramble?: number } = {}): Forest => {
  let counter = 0
  let clock = Date.UTC(2026, 10, 24, 9, 0, 0)
  const uuid = () => {
    counter++
    const head = options.scramble === undefined ? counter : (Math.imul(counter, 2654435761) + options.scramble) >>> 0
    return `${hex(head, 8)}-aaaa-4bbb-8ccc-${hex(counter, 12)}`
  }
  const tick = () => {
    clock += 1000
    return new Date(clock).toISOString()
  }
  const sessions: Array<GeneratedSession> = []
  const links: Forest["links"] = []
  const entry = (s: { id: string; cwd: string; generation: string }, m: Message) => ({
    parentUuid: m.parentUuid,
    isSidechain: false,
    userType: "external",
    cwd: s.cwd,
    sessionId: s.id,
    version: s.generation === "1.0" ? "1.0.30" : "2.1.197",
    gitBranch: "main",
    type: m.type,
    message:
      m.type === "user"
        ? { role: "user", content: m.text }
        : { role: "assistant", content: [{ type: "text", text: m.text }] },
    uuid: m.uuid,
    timestamp: m.timestamp
  })
  const turn = (s: GeneratedSession, prompt: string) => {
    const last = s.messages.at(-1)?.uuid ?? null
    const user: Message = { uuid: uuid(), parentUuid: last, type: "user", timestamp: tick(), text: prompt }
    const reply: Message = { uuid: uuid(), parentUuid: user.uuid, type: "assistant", timestamp: tick(), text: "ok" }
    for (const m of [user, reply]) {
      s.messages.push(m)
      s.lines.push(entry(s, m))
    }
  }
  for (const step of steps) {
    if (step.op === "root" || sessions.length === 0) {
      const generation = step.op === "root" ? step.generation : "2.1"
      const folder = step.op === "root" ? step.folder : 0
      const s: GeneratedSession = { id: uuid(), generation, cwd: `/srv/proj${folder}`, lines: [], messages: [] }
      if (generation === "2.1")
        s.lines.push({ type: "queue-operation", operation: "enqueue", timestamp: tick(), sessionId: s.id })
      turn(s, `first prompt ${s.id}`)
      sessions.push(s)
      continue
    }
    const target = sessions[step.target % sessions.length] as GeneratedSession
    if (step.op === "resume" && target.generation === "2.1") {
      target.lines.push({ type: "queue-operation", operation: "enqueue", timestamp: tick(), sessionId: target.id })
      turn(target, "resumed")
      continue
    }
    const child: GeneratedSession = {
      id: uuid(),
      generation: target.generation,
      cwd: target.cwd,
      lines: [],
      messages: []
    }
    if (target.generation === "1.0") {
      // 1.0.x resume (a "fork" of a 1.0 session is the same operation: a new id)
      child.lines.push({ type: "summary", summary: "a summary", leafUuid: target.messages.at(-1)?.uuid })
      const stamp = tick()
      let parent: string | null = null
      for (const m of target.messages) {
        const copy: Message = { ...m, uuid: uuid(), parentUuid: parent, timestamp: stamp }
        parent = copy.uuid
        child.messages.push(copy)
        child.lines.push(entry(child, copy))
      }
      links.push({ from: target.id, to: child.id, kind: "resume" })
    } else {
      child.lines.push({ type: "mode", mode: "normal", sessionId: child.id })
      child.lines.push({ type: "queue-operation", operation: "enqueue", timestamp: tick(), sessionId: child.id })
      for (const m of target.messages) {
        child.messages.push(m)
        child.lines.push(entry(child, m))
      }
      links.push({ from: target.id, to: child.id, kind: "fork" })
    }
    turn(child, "continued")
    sessions.push(child)
  }
  return { sessions, links }
}

/** Writes a forest as a Claude config root: `<root>/projects/<encoded cwd>/<id>.jsonl`. */
export const writeForest = (root: string, forest: Forest): void => {
  for (const s of forest.sessions) {
    const dir = join(root, "projects", s.cwd.replace(/[/.]/g, "-"))
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, `${s.id}.jsonl`), `${s.lines.map((l) => JSON.stringify(l)).join("\n")}\n`)
  }
}

/** The chains of a forest: its sessions grouped over resume links (forks are chains of their own). */
export const resumeChains = (forest: Forest): Array<Set<string>> => {
  const of = new Map<string, Set<string>>()
  for (const s of forest.sessions) of.set(s.id, new Set([s.id]))
  for (const l of forest.links) {
    if (l.kind !== "resume") continue
    const a = of.get(l.from) as Set<string>
    const b = of.get(l.to) as Set<string>
    if (a === b) continue
    for (const id of b) {
      a.add(id)
      of.set(id, a)
    }
  }
  return [...new Set(of.values())]
}
