/**
 * Plugin sources for the CLI: named in `cc-sessions.config.json` in the store, or given with
 * `--source MODULE` (repeatable). A module is ESM or CJS; it exports a source (an object with
 * `name` and `discover`), or a factory that makes one from its options. A module that fails to
 * load, exports no source, or whose factory throws is skipped with a clear reason: the other
 * sources go on.
 */
import { createRequire } from "node:module"
import { dirname, isAbsolute, join, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { jsonDecoder, storeConfigText } from "@cc/events"
import { type AnySource, isSource } from "@cc/sources"
import * as Schema from "effect/Schema"

export { CONFIG_FILE } from "@cc/events"

const PluginEntry = Schema.Union([
  Schema.String,
  Schema.Struct({
    /** A path (relative to the config file) or a package name. */
    module: Schema.String,
    /** The export to use (default: `default`, then the first export that is a source or factory). */
    export: Schema.optionalKey(Schema.String),
    /** Passed to a factory export. */
    options: Schema.optionalKey(Schema.Unknown)
  })
])
export const PluginConfig = Schema.Struct({ sources: Schema.optionalKey(Schema.Array(PluginEntry)) })
const decodeConfig = jsonDecoder(PluginConfig, "not a config")

export interface PluginContext {
  readonly storeDir: string
  readonly claudeHomes: ReadonlyArray<string>
}

export interface LoadedPlugins {
  readonly sources: ReadonlyArray<AnySource>
  /** One sentence per plugin that was skipped, and why. */
  readonly problems: ReadonlyArray<string>
}

interface Wanted {
  readonly module: string
  readonly base: string
  readonly from: string
  readonly export?: string
  readonly options?: unknown
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** The plugin entries of the store's config file; a missing file is no plugins. */
const fromConfig = (storeDir: string): { wanted: Array<Wanted>; problems: Array<string> } => {
  const config = storeConfigText(storeDir)
  if (config._tag === "None") return { wanted: [], problems: [] }
  if (config._tag === "Unreadable")
    return { wanted: [], problems: [`config ${config.path} could not be read: ${config.reason}`] }
  const { path, text } = config
  const decoded = decodeConfig(text)
  if (decoded._tag === "Bad" && decoded.reason === "not valid JSON")
    return { wanted: [], problems: [`config ${path} is not valid JSON: its sources were not loaded`] }
  if (decoded._tag === "Bad") {
    return {
      wanted: [],
      problems: [
        `config ${path} is not {"sources": [MODULE | {"module", "export"?, "options"?}]}: its sources were not loaded`
      ]
    }
  }
  const wanted = (decoded.value.sources ?? []).map((entry) =>
    typeof entry === "string"
      ? { module: entry, base: dirname(path), from: path }
      : {
          module: entry.module,
          base: dirname(path),
          from: path,
          ...(entry.export === undefined ? {} : { export: entry.export }),
          ...(entry.options === undefined ? {} : { options: entry.options })
        }
  )
  return { wanted, problems: [] }
}

/** A path is resolved from where it was named; a bare name as a package from there. */
const moduleUrl = (specifier: string, base: string): string => {
  if (specifier.startsWith(".") || isAbsolute(specifier)) return pathToFileURL(resolve(base, specifier)).href
  return pathToFileURL(createRequire(join(base, "noop.js")).resolve(specifier)).href
}

const sourcesOf = async (value: unknown, wanted: Wanted, context: PluginContext): Promise<Array<AnySource>> => {
  const made = typeof value === "function" ? await value(wanted.options ?? {}, context) : value
  const given: Array<unknown> = Array.isArray(made) ? made : [made]
  const list = given.filter(isSource)
  if (list.length !== given.length || list.length === 0) {
    throw new Error(
      `its ${wanted.export ?? "default"} export ${typeof value === "function" ? "returned" : "is"} no source (an object with a name, a discover function and an optional cost of cheap, moderate or expensive)`
    )
  }
  return list
}

const load = async (wanted: Wanted, context: PluginContext): Promise<Array<AnySource>> => {
  const ns = (await import(moduleUrl(wanted.module, wanted.base))) as Record<string, unknown>
  if (wanted.export !== undefined) {
    if (!(wanted.export in ns)) throw new Error(`it has no export ${JSON.stringify(wanted.export)}`)
    return sourcesOf(ns[wanted.export], wanted, context)
  }
  // default first (a CJS module's exports arrive as `default`), then any export that fits
  const candidates = [ns.default, ...Object.entries(ns).flatMap(([k, v]) => (k === "default" ? [] : [v]))]
  const source = candidates.find(isSource)
  if (source !== undefined) return [source]
  const factory = candidates.find((c) => typeof c === "function")
  if (factory !== undefined) return sourcesOf(factory, wanted, context)
  const nested = ns.default
  if (typeof nested === "object" && nested !== null) {
    const inner = Object.values(nested).find((v) => isSource(v) || typeof v === "function")
    if (inner !== undefined) return sourcesOf(inner, wanted, context)
  }
  throw new Error("it exports no source and no function that makes one")
}

/** Loads the config file's plugins, then those given on the command line. */
export const loadPlugins = async (
  context: PluginContext,
  modules: ReadonlyArray<string>,
  cwd: string = process.cwd()
): Promise<LoadedPlugins> => {
  const config = fromConfig(context.storeDir)
  const wanted = [...config.wanted, ...modules.map((module) => ({ module, base: cwd, from: "--source" }))]
  const sources: Array<AnySource> = []
  const problems = [...config.problems]
  for (const entry of wanted) {
    try {
      sources.push(...(await load(entry, context)))
    } catch (error) {
      problems.push(`source ${entry.module} (from ${entry.from}) skipped: ${describe(error)}`)
    }
  }
  return { sources, problems }
}
