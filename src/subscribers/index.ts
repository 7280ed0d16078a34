export {
  SubscriberStore,
  SubscriberError,
  type Subscriber,
  type SubscriberStatus,
  type Cadence,
  type NewSubscriber,
  type BounceKind,
  type SubscriberChange,
  type SubscriberChanges,
} from './store.ts';
export { signToken, verifyToken, type TokenPurpose, type TokenProblem, type TokenHolder, type CheckedToken } from './tokens.ts';
export { subscriberOfToken, type TokenCheck } from './holders.ts';
export { loadSecret } from './secret.ts';
export { addressProblem, reservedAddressProblem, addressKey } from './email-address.ts';
export { describeChoice } from './choice.ts';
export { importCsv, exportCsv, isStatus, type ImportReport } from './import-export.ts';
export {
  requestSubscription,
  requestUnsubscribe,
  welcome,
  confirm,
  unsubscribe,
  CONFIRMATIONS_PER_DAY,
  type ConfirmOutcome,
  type SubscriptionContext,
  type Notice,
  type SendNotice,
  type RequestOutcome,
} from './subscriptions.ts';
export {
  addressOf,
  mailboxOf,
  isListDomain,
  returnPathFor,
  linkTo,
  linksFor,
  tokensFor,
  linksOf,
  unsubscribeTokenIn,
  LINK_PATHS,
  type Mailbox,
  type LinkPage,
  type LinkTokens,
  type SubscriberLinks,
} from './list-addresses.ts';
export { Suppressions, suppressedMessage, type SuppressionReason } from './suppressions.ts';
export { personalData, eraseSubscriber, type PersonalData, type PrivacyContext, type DeliveryRecord, type Erasure } from './privacy.ts';
