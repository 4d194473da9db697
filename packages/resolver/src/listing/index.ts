export { type KeptListing, type ListingKeys, listingCacheFile, listingKeys, readListing } from "./kept.js"
export { allChains, type Listing, updatedListing } from "./listing.js"
export { ChainRow, chainRecords, chainsOf, listingRows, type Member, newestFirst, settledSessions } from "./rows.js"
export { type ListingSource, type Warn, warnSkippedLines, warnUnreadable } from "./source.js"
