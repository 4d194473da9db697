/** A command line, parsed (`args.ts`): what every command reads its arguments from. */
export interface Parsed {
  readonly command: string
  readonly positionals: ReadonlyArray<string>
  /** Everything after `--`: the prompt. */
  readonly rest: ReadonlyArray<string>
  readonly flags: ReadonlySet<string>
  readonly values: ReadonlyMap<string, ReadonlyArray<string>>
}
