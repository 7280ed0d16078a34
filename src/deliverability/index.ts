export { readKeyFile, generateKey, dkimRecordValue, describeKey, signingKeys, DkimKeyError, MIN_RSA_BITS, type KeyFile, type KeyType } from './keys.ts';
export { dnsReport, zoneLine, organizationalDomain, type DnsRecord, type DnsReport, type Alignment, type MailSettings } from './records.ts';
export { complaintRate, complaintWarning, describeComplaints, percent, COMPLAINT_RATE_LIMIT, type ComplaintRate } from './complaints.ts';
