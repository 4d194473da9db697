/** The JSON decoder every format of this package is read through (it lives in `@cc/events`). */
export { type Decoded, jsonDecoder } from "@cc/events"
