export {
  dispatchIssue,
  createMessageMaker,
  describeDispatch,
  messageIdFor,
  type DispatchContext,
  type DispatchSummary,
  type MakerOptions,
} from './dispatch.ts';
export { makeTestCopy, type LinkHolder } from './test-copy.ts';
export type { Claiming } from './context.ts';
export { sendClaimed, LeaseKeeper, type ClaimedSummary, type LeaseSettings } from './claimed.ts';
export { messageFingerprint, type MessageShape } from './fingerprint.ts';
export { NotStarted } from './not-started.ts';
export { SharedPace, type SharedRate } from './shared-pace.ts';
export {
  smtpTransport,
  fileTransport,
  rawMessage,
  messageFileName,
  SendError,
  type Transport,
  type Outgoing,
  type SmtpOptions,
} from './transport.ts';
export { classifyRefusal, countsAgainstRelay, enhancedCode, type FailureKind, type Refusal } from './refusal.ts';
export { composeNotice } from './notice.ts';
export { removeMessagesTo } from './outbox.ts';
export { buildMessageTemplate, personalize, type MessageTemplate, type Personal, type CommonHeaders, type BodyPieces } from './message.ts';
export { createProgress, type Progress } from './progress.ts';
export { papersFor } from './variants.ts';
export { createDkimSigner, signingTransport, type DkimKey, type DkimSigner } from './dkim.ts';
