export { findDigests, findNewestDigest, listDigestFiles, listDigestEntries, type SkippedPath, dateFromPath, dateFromHeading, sameDay, sameDayMessage, type DigestFile } from './find.ts';
export { loadDigest, readDigestFile } from './load.ts';
export { parseDigest, readDigest, isIsoDate, type DigestReading } from './parse.ts';
export { createLibrary, type DigestLibrary, type LibraryEntry } from './library.ts';
export type { Digest, Paper, PaperLinks, Note } from './model.ts';
export { checkDigests, type CheckedDigest } from './check.ts';
export { taggerFor, inferTags, keywordTags, digestsFolderOf, LEARN_FROM, type Tagger, type PaperText } from './topics.ts';
