import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"

/** The reason a decoder gives for a text that is not JSON at all (told apart from one that does not match). */
export const NOT_JSON = "not valid JSON"

/** A JSON object (not an array, not null): what a record read as JSON must be before its fields are. */
export const isJsonObject = (value: unknown): value is { [key: string]: unknown } =>
  typeof value === "object" && value !== null && !Array.isArray(value)

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
      return { _tag: "Bad", reason: NOT_JSON }
    }
    const decoded = decode(value)
    return Exit.isSuccess(decoded) ? { _tag: "Ok", value: decoded.value } : { _tag: "Bad", reason: notMatching }
  }
}
