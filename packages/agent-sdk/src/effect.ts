/**
 * The session functions as Effects, their typed errors in the error channel (anything else is
 * a defect): for tools written with Effect. `query()` stays the SDK's `Query` (an async
 * generator) in both worlds.
 */
import { isStoreError, type StoreError } from "@cc/events"
import { isResolveError, type ResolveError } from "@cc/resolver"
import { SessionBusy } from "@cc/vault-keeper"
import * as Effect from "effect/Effect"
import { InvalidSessionOptions, SessionDirectoryMissing, SessionNotHere, StableIdTaken } from "./errors.js"
import {
  archiveSession,
  forkSession,
  getSessionInfo,
  getSessionMessages,
  listSessions,
  renameSession,
  tagSession,
  unarchiveSession
} from "./sessions.js"

export type AgentSdkError =
  | InvalidSessionOptions
  | StableIdTaken
  | SessionNotHere
  | SessionDirectoryMissing
  | SessionBusy
  | ResolveError
  | StoreError

export const isAgentSdkError = (error: unknown): error is AgentSdkError =>
  error instanceof InvalidSessionOptions ||
  error instanceof StableIdTaken ||
  error instanceof SessionNotHere ||
  error instanceof SessionDirectoryMissing ||
  error instanceof SessionBusy ||
  isResolveError(error) ||
  isStoreError(error)

const lift =
  <Args extends Array<unknown>, A>(f: (...args: Args) => Promise<A>) =>
  (...args: Args): Effect.Effect<A, AgentSdkError> =>
    Effect.flatMap(
      Effect.promise(() =>
        f(...args).then(
          (value) => ({ ok: true as const, value }),
          (error: unknown) => ({ ok: false as const, error })
        )
      ),
      (outcome) =>
        outcome.ok
          ? Effect.succeed(outcome.value)
          : isAgentSdkError(outcome.error)
            ? Effect.fail(outcome.error)
            : Effect.die(outcome.error)
    )

/** `listSessions`, `getSessionInfo`, … as Effects. */
export const SessionsEffect = {
  listSessions: lift(listSessions),
  getSessionInfo: lift(getSessionInfo),
  getSessionMessages: lift(getSessionMessages),
  renameSession: lift(renameSession),
  tagSession: lift(tagSession),
  archiveSession: lift(archiveSession),
  unarchiveSession: lift(unarchiveSession),
  forkSession: lift(forkSession)
} as const
