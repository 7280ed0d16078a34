export { findDigests, findNewestDigest, listDigestFiles, dateFromPath, sameDay, sameDayMessage, type DigestFile } from './find.ts';
export { loadDigest, readDigestFile } from './load.ts';
export { parseDigest, readDigest, isIsoDate, type DigestReading } from './parse.ts';
export type { Digest, Paper, PaperLinks, Note } from './model.ts';
