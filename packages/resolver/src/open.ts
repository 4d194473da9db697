import { indexFileIn, TranscriptCache } from "@cc/cache"
import { defaultStoreDir, type EventLog, isStoreError, openEventLog, type StoreError } from "@cc/events"
import { type AnySource, defaultClaudeHomes } from "@cc/sources"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { AmbiguousSession, InvalidReference, InvalidToken, type ResolveError, SessionNotFound } from "./errors.js"
import type { PathMapping } from "./repo.js"
import type { Resolution, ResolverOptions } from "./resolution.js"
import { Resolver } from "./resolver.js"

export interface OpenResolverOptions {
  /** Our store directory (default `$CC_SESSIONS_HOME`, then `~/.channelcoder`). */
  readonly storeDir?: string
  /** Claude config roots (default `$CLAUDE_CONFIG_DIR`, then `~/.claude`). */
  readonly claudeHomes?: ReadonlyArray<string>
  /** Keep the transcript index in the store directory (default true); false: memory only. */
  readonly persistIndex?: boolean
  readonly mappings?: ReadonlyArray<PathMapping>
  readonly useGit?: boolean
  readonly record?: boolean
  readonly window?: ResolverOptions["window"]
  /** Plugin sources, each asked at the layer its `cost` names (see `ResolverOptions.sources`). */
  readonly sources?: ReadonlyArray<AnySource>
  readonly onSourceProblem?: ResolverOptions["onSourceProblem"]
  /** An event log already open (a shared PostgreSQL one, say) instead of the store's file. */
  readonly log?: EventLog
}

export interface OpenedResolver {
  readonly resolver: Resolver
  readonly log: EventLog
  readonly cache: TranscriptCache
}

/** Opens the store, the transcript index and a resolver over them. */
export const openResolver = async (options: OpenResolverOptions = {}): Promise<OpenedResolver> => {
  const storeDir = options.storeDir ?? defaultStoreDir()
  const claudeHomes = options.claudeHomes ?? defaultClaudeHomes()
  const log = options.log ?? (await openEventLog({ dir: storeDir }))
  const cache = await TranscriptCache.open({
    roots: claudeHomes,
    ...(options.persistIndex === false ? {} : { file: indexFileIn(storeDir) })
  })
  const resolver = new Resolver({
    log,
    cache,
    claudeHomes,
    ...(options.mappings === undefined ? {} : { mappings: options.mappings }),
    ...(options.useGit === undefined ? {} : { useGit: options.useGit }),
    ...(options.record === undefined ? {} : { record: options.record }),
    ...(options.window === undefined ? {} : { window: options.window }),
    ...(options.sources === undefined ? {} : { sources: options.sources }),
    ...(options.onSourceProblem === undefined ? {} : { onSourceProblem: options.onSourceProblem })
  })
  return { resolver, log, cache }
}

export const isResolveError = (error: unknown): error is ResolveError =>
  error instanceof SessionNotFound ||
  error instanceof AmbiguousSession ||
  error instanceof InvalidReference ||
  error instanceof InvalidToken

/** The resolver as an Effect service. */
export class ResolverService extends Context.Service<ResolverService, Resolver>()("@cc/resolver/Resolver") {}

export const resolverLayer = (options: OpenResolverOptions = {}): Layer.Layer<ResolverService> =>
  Layer.effect(
    ResolverService,
    Effect.map(
      Effect.promise(() => openResolver(options)),
      (opened) => opened.resolver
    )
  )

/** Resolves a reference in Effect, with the typed errors in the error channel. */
export const resolve = (reference: string): Effect.Effect<Resolution, ResolveError | StoreError, ResolverService> =>
  Effect.gen(function* () {
    const resolver = yield* ResolverService
    const outcome = yield* Effect.promise(() =>
      resolver.resolve(reference).then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error })
      )
    )
    if (outcome.ok) return outcome.value
    if (isResolveError(outcome.error) || isStoreError(outcome.error)) return yield* Effect.fail(outcome.error)
    return yield* Effect.die(outcome.error)
  })
