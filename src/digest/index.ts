export { findDigests, findNewestDigest, type SkippedPath, dateFromHeading, sameDay, sameDayMessage, type DigestFile } from './find.ts';
export { loadDigest } from './load.ts';
export { parseDigest, readDigest, type DigestReading } from './parse.ts';
export { createLibrary, type DigestLibrary, type LibraryEntry } from './library.ts';
export type { Digest, Paper, PaperLinks, Note } from './model.ts';
export { checkDigests, type CheckedDigest } from './check.ts';
export {
  taggerFor,
  inferTags,
  inferByMonth,
  teachersBefore,
  monthOf,
  keywordTags,
  digestsFolderOf,
  type Tagger,
  type PaperText,
} from './topics.ts';
