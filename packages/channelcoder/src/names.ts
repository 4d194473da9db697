/**
 * ChannelCoder's rule for session names, made explicit. Its `FileSessionStorage` saves
 * `<sessions>/<name>.json` and reads any name holding `/` or `\` as a path: `team/feature` is
 * saved where it cannot be loaded again (and, written by hand as `feature.json`, merges with
 * `alice/feature`). Such names are refused up front, with a reason.
 */
import * as Data from "effect/Data"

export class InvalidSessionName extends Data.TaggedError("InvalidSessionName")<{
  readonly name: string
  readonly message: string
}> {}

// biome-ignore lint/suspicious/noControlCharactersInRegex: a NUL cannot be in a file name
const UNLOADABLE = /[/\\\u0000]/g

/** Throws `InvalidSessionName` for a name ChannelCoder could not load again. */
export const checkSessionName = (name: string): void => {
  const bad = new RegExp(UNLOADABLE.source).exec(name)
  if (bad === null) return
  throw new InvalidSessionName({
    name,
    message: `ChannelCoder cannot load a session named ${JSON.stringify(name)} again (${bad[0] === "\u0000" ? "a NUL byte" : `"${bad[0]}" makes it a path`}): use a name without it, such as ${JSON.stringify(name.replace(UNLOADABLE, "-"))}`
  })
}
