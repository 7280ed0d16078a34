export {
  readKeyFile,
  generateKey,
  dkimRecordValue,
  describeKey,
  readSigningKeys,
  type ConfiguredKey,
  type KeyFile,
  type KeyType,
} from './keys.ts';
export { dnsReport, zoneLine, type DnsRecord, type DnsReport, type Alignment, type MailSettings } from './records.ts';
export {
  complaintRate,
  complaintWarning,
  describeComplaints,
  COMPLAINT_RATE_LIMIT,
  COMPLAINT_RATE_CEILING,
  type ComplaintRate,
} from './complaints.ts';
