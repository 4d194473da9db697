/**
 * The SDK's `Query`, observed: every message is passed on as it came (the same object), the
 * run's recorder told of its init line and its end. The query is started only once its
 * session is known (a resume's reference resolved, the log written); until then a control
 * method waits for it, and `close()` closes it as soon as it exists.
 */
import type { Query, SDKMessage } from "@anthropic-ai/claude-agent-sdk"
import type { StableId } from "@cc/events"

export interface RunObserver {
  readonly started: () => Promise<void>
  readonly init: (sessionId: string) => Promise<void>
  readonly finished: (outcome: { readonly resultSubtype?: string; readonly isError: boolean }) => Promise<void>
}

export interface ReadyRun {
  readonly inner: Query
  readonly observer: RunObserver
}

const stableIds = new WeakMap<object, StableId>()

/** Notes the stable id of a query or a message that passed through one. */
export const setStableId = (of: object, id: StableId): void => {
  stableIds.set(of, id)
}

/**
 * The stable id (`cc-session-…`) of a query this package started, or of a message it passed
 * on; undefined for anything else, and for a query whose resume has not resolved yet.
 */
export const stableId = (queryOrMessage: object): StableId | undefined => stableIds.get(queryOrMessage)

export const observedQuery = (ready: Promise<ReadyRun>): Query => {
  let finished = false
  let lastResult: { resultSubtype?: string; isError: boolean } | undefined
  let self: Query | undefined
  const finish = async (failed: boolean) => {
    if (finished) return
    finished = true
    const { observer } = await ready
    await observer.finished(
      lastResult === undefined ? { resultSubtype: failed ? "error" : "closed", isError: true } : lastResult
    )
  }
  const observe = async (run: ReadyRun, message: SDKMessage) => {
    const id = self === undefined ? undefined : stableIds.get(self)
    if (id !== undefined) stableIds.set(message, id)
    if (message.type === "system" && message.subtype === "init") await run.observer.init(message.session_id)
    else if (message.type === "result") lastResult = { resultSubtype: message.subtype, isError: message.is_error }
  }
  const step = async (
    move: (inner: Query) => Promise<IteratorResult<SDKMessage, void>>
  ): Promise<IteratorResult<SDKMessage, void>> => {
    const run = await ready
    let result: IteratorResult<SDKMessage, void>
    try {
      result = await move(run.inner)
    } catch (error) {
      await finish(true)
      throw error
    }
    if (result.done === true) await finish(false)
    else await observe(run, result.value)
    return result
  }
  const own = {
    next: (...args: [] | [unknown]) => step((inner) => inner.next(...args)),
    return: () => step((inner) => inner.return(undefined)),
    throw: (error?: unknown) => step((inner) => inner.throw(error)),
    close: () => {
      ready.then(
        (run) => {
          run.inner.close()
          return finish(false)
        },
        () => undefined
      )
    },
    [Symbol.asyncIterator]() {
      return self
    }
  }
  self = new Proxy(own, {
    get(target, property, receiver) {
      if (property in target) return Reflect.get(target, property, receiver)
      // every other member of Query is a control request (a Promise): sent once the query exists
      return (...args: Array<unknown>) =>
        ready.then((run) => {
          const member: unknown = Reflect.get(run.inner, property)
          if (typeof member !== "function") return member
          return member.apply(run.inner, args)
        })
    }
  }) as unknown as Query
  return self
}
