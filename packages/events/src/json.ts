import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"

export type Decoded<A> = { readonly _tag: "Ok"; readonly value: A } | { readonly _tag: "Bad"; readonly reason: string }

/**
 * The one never-throwing decoder of a JSON text against a schema: every format read from disk
 * (transcript and history lines, job states, sidecars, snapshots, configs, listings, session
 * files) goes through one of these. A text that is not JSON and a value that does not match
 * are told apart.
 */
export const jsonDecoder = <S extends Schema.Top & { readonly DecodingServices: never }>(
  schema: S,
  notMatching: string
) => {
  const decode = Schema.decodeUnknownExit(schema)
  return (text: string): Decoded<S["Type"]> => {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      return { _tag: "Bad", reason: "not valid JSON" }
    }
    const decoded = decode(value)
    return Exit.isSuccess(decoded) ? { _tag: "Ok", value: decoded.value } : { _tag: "Bad", reason: notMatching }
  }
}
