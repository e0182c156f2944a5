// Package cloudtrail reads AWS CloudTrail records: the files CloudTrail delivers to S3, the same
// records one a line as CloudWatch Logs, EventBridge, jq, Logstash and Splunk pass them on, and
// the wrappers those add. Every record becomes an event.Cloud (Provider "aws"); detections read
// its Op, Scope and Bytes, and use the other operations (ListBuckets, AssumeRole ...) as context.
//
// The record format is documented in the AWS CloudTrail User Guide: "CloudTrail record contents"
// (cloudtrail-event-reference-record-contents.html), "CloudTrail userIdentity element"
// (cloudtrail-event-reference-user-identity.html) and "CloudTrail digest file structure"
// (cloudtrail-log-file-validation-digest-file-structure.html); S3's records in the S3 User Guide,
// "CloudTrail log file entries for Amazon S3" (cloudtrail-logging-understanding-s3-entries.html).
// testdata/README.md lists the pages the fixtures follow.
//
// # Shapes
//
// A file may hold any of these, and may mix them:
//
//  1. A file as CloudTrail delivers it to S3 (gzipped; package source undoes gzip): one JSON
//     document {"Records":[{..},{..}]}, usually on one line, often many MB. It is streamed
//     record by record, never held whole. Several such documents one after another (zcat of
//     many files) are read in turn.
//  2. One record a line: CloudWatch Logs and EventBridge exports, jq -c '.Records[]', Splunk's
//     aws:cloudtrail raw events.
//  3. Wrapped records, one a line: Logstash's (the record's members at the top level beside
//     @timestamp and @version, eventTime sometimes dropped); an EventBridge event whose "detail"
//     is the record ("detail-type": "AWS API Call via CloudTrail", "AWS Console Sign In via
//     CloudTrail" ...); the record as a JSON string in "message" (Logstash), "_raw" or
//     "result._raw" (Splunk's exports) or "CloudTrailEvent" (aws cloudtrail lookup-events);
//     CloudWatch Logs subscription data ({"messageType":"DATA_MESSAGE",..,"logEvents":[{"id",
//     "timestamp","message":"<record>"}]}, several records a line). CONTROL_MESSAGE records of
//     CloudWatch Logs are counted as ignored ("cloudwatch-control").
//  4. A JSON array of records or wrappers, pretty-printed or not; lookup-events' output
//     {"Events":[{..,"CloudTrailEvent":"<record>"}]}; a record pretty-printed over many lines.
//  5. A CloudTrail digest file ({"awsAccountId":..,"digestStartTime":..,"logFiles":[..]}, named
//     ..._CloudTrail-Digest_...json.gz): claimed and counted as ignored ("cloudtrail-digest"), so
//     that a synced trail bucket reads cleanly.
//
// A record is an object with an eventName, an eventSource naming an AWS service
// ("<name>.amazonaws.com") and an eventTime, @timestamp, eventID or eventVersion. S3's and
// Lambda's own event notifications ({"Records":[{"eventSource":"aws:s3"..}]}) are not records.
//
// # Sniffing
//
// Sniff claims input whose first value (passing over blank lines and CloudWatch Logs control
// messages; a line, or a value of a document as above) is a record, a wrapper holding one, a
// document whose first record is one, or a digest. It reads wrappers the way the reader does, so
// that an EventBridge event of another kind ("EC2 Instance State-change Notification"), a
// Splunk export of other events or CloudWatch Logs data of another log group is not claimed;
// nor are Zeek's, Windows' or Splunk Stream's JSON (they have no eventSource of an AWS service).
// A first record longer than the sniffed head is judged by its text: an "eventSource" naming an
// AWS service, an "eventName", and one of "eventVersion", "eventTime", "eventID",
// "userIdentity" (or, for a digest, "awsAccountId" and "digestStartTime"). {"Records":[]} is
// claimed only when the file's name has "CloudTrail" in it.
//
// # Reading and positions
//
// When the first line that is not blank is a whole JSON object that is not a document of
// records (no "Records" or "Events" array), the input is read one value a line, in blocks that
// the engine's workers parse in parallel; an event's position (event.Ref.Line) is its line, and
// the records of one line (CloudWatch Logs data, a document on one line) share it. Otherwise the
// input is read as JSON documents, and the position is the number (from 1, in the order of the
// file) of the value the record came from: an element of a "Records" or "Events" array, an
// element of a top-level array, or a top-level object that is not a document. Records gives
// back a line, or a value compacted to one line.
//
// # Field mapping
//
//	event.Cloud  CloudTrail
//	TS           eventTime (RFC 3339), else @timestamp (Logstash), else the wrapper's time:
//	             EventBridge's "time", Logstash's @timestamp around "message", the CloudWatch Logs
//	             event's "timestamp" (epoch milliseconds)
//	UID          eventID
//	Provider     "aws"
//	Service      eventSource ("s3.amazonaws.com")
//	Name         eventName
//	Region       awsRegion
//	UserAgent    userAgent
//	Error        errorCode ("" when the call succeeded)
//	Src          sourceIPAddress when it is an IP address (IPv4-mapped IPv6 unmapped)
//	SrcName      sourceIPAddress otherwise: the AWS service that called ("ec2.amazonaws.com"),
//	             "AWS Internal"
//	User         userIdentity.arn; without one: an AWSService's invokedBy; an AWSAccount
//	             (another account's caller, e.g. of a bucket shared with it) its accountId;
//	             else "<type>:<principalId>" (principalId alone without a type), else userName,
//	             invokedBy or accountId
//	UserType     userIdentity.type (IAMUser, AssumedRole, Root, AWSService, AWSAccount,
//	             FederatedUser, IdentityCenterUser ...)
//	AccessKey    userIdentity.accessKeyId
//	Role         userIdentity.sessionContext.sessionIssuer.arn when sessionIssuer.type is "Role"
//	Instance     the session name of an assumed-role ARN (arn:<partition>:sts::<account>:
//	             assumed-role/<role>/<session>) when it is an EC2 instance id ("i-" and 8 or 17
//	             lower-case hex digits) and either userIdentity.sessionContext.ec2RoleDelivery is
//	             present (the credentials of an instance profile) or the session
//	             issuer is a role; else ""
//	Account      recipientAccountId, else userIdentity.accountId, else EventBridge's "account"
//	Container    S3: requestParameters.bucketName; EC2 snapshot sharing: snapshotId; AMI sharing:
//	             imageId; RDS sharing: dBSnapshotIdentifier or dBClusterSnapshotIdentifier;
//	             snapshots: the source (see below)
//	Owner        S3 uploads: the accountId of resources[]'s AWS::S3::Bucket (the bucket's owner;
//	             another account than the caller's is data written across accounts)
//	Object       S3: requestParameters.key
//	Bytes        S3 uploads (PutObject, UploadPart, PostObject):
//	             additionalEventData.bytesTransferredIn; downloads (GetObject,
//	             SelectObjectContent): bytesTransferredOut. A number, a float (89.0) or a
//	             numeric string. event.Unset when absent, not a number, negative, for every other
//	             operation, and for a failed call (errorCode set: the bytes are those of the
//	             error document).
//	Count        1
//	Scope,       who the call opens data to (CloudShare, CloudReplicate; see below), and what
//	Target       the request names; also on an upload with a public canned ACL
//	ObjectID, Sensor, Recipients: not set.
//
// "S3" is the eventSource values s3.amazonaws.com, s3express.amazonaws.com (directory buckets)
// and s3-outposts.amazonaws.com. Other members (requestParameters of other calls, resources,
// tlsDetails, errorMessage ...) are not read.
//
// # Operations
//
//	event.CloudOp   eventSource   eventName
//	CloudUpload     S3            PutObject, UploadPart, PostObject; CopyObject, UploadPartCopy,
//	                              CompleteMultipartUpload (Bytes Unset, below)
//	CloudDownload   S3            GetObject, SelectObjectContent
//	CloudList       S3            ListBuckets, ListObjects, ListObjectsV2, ListObjectVersions
//	CloudShare      S3            PutBucketPolicy, PutBucketAcl, PutObjectAcl,
//	                              DeleteBucketPublicAccessBlock, DeletePublicAccessBlock,
//	                              DeleteAccountPublicAccessBlock; PutBucketPublicAccessBlock,
//	                              PutPublicAccessBlock, PutAccountPublicAccessBlock when a setting
//	                              is off (else CloudOther)
//	CloudShare      EC2           ModifySnapshotAttribute, ModifyImageAttribute when the request
//	                              adds permissions (else CloudOther: removals, other attributes)
//	CloudShare      RDS           ModifyDBSnapshotAttribute, ModifyDBClusterSnapshotAttribute with
//	                              attributeName "restore" and valuesToAdd (else CloudOther)
//	CloudReplicate  S3            PutBucketReplication
//	CloudSnapshot   EC2           CreateSnapshot, CreateSnapshots, CopySnapshot
//	CloudSnapshot   RDS           CreateDBSnapshot, CreateDBClusterSnapshot, CopyDBSnapshot,
//	                              CopyDBClusterSnapshot
//	CloudOther      any           everything else (still emitted)
//
// EC2 is ec2.amazonaws.com and RDS rds.amazonaws.com (Aurora, Neptune and DocumentDB log there
// too); the same names from other services (s3tables, ElastiCache's CreateSnapshot ...) are
// CloudOther. A failed call keeps its operation: detections must look at Error.
//
// Sizes. S3's CloudTrail data events log the bytes of the HTTP request and response bodies in
// additionalEventData.bytesTransferredIn and bytesTransferredOut. For CompleteMultipartUpload
// the request body is the list of parts (XML), not the object, so its bytesTransferredIn says
// nothing of the object's size: Bytes is Unset, and the object's bytes are the sum of its
// UploadPart events. CopyObject and UploadPartCopy copy inside S3: their request has no body
// (bytesTransferredIn is 0) and their response is a short XML document, so Bytes is Unset too.
// AWS does not document the two members call by call; this follows from what each call's body
// is (S3 API Reference).
//
// Snapshots (CloudSnapshot). Container is what was copied and Target the new snapshot, from
// responseElements when the call succeeded: CreateSnapshot volumeId -> snapshotId;
// CreateSnapshots instanceSpecification.instanceId -> snapshotSet.items[].snapshotId (joined
// with ","); CopySnapshot sourceSnapshotId -> snapshotId; CreateDBSnapshot dBInstanceIdentifier
// -> dBSnapshotIdentifier; CreateDBClusterSnapshot dBClusterIdentifier ->
// dBClusterSnapshotIdentifier; CopyDBSnapshot sourceDBSnapshotIdentifier -> dBSnapshotIdentifier
// (else targetDBSnapshotIdentifier); CopyDBClusterSnapshot likewise. Scope is "".
//
// # Scope and Target
//
// A request may name several grantees; Scope is the most open of them (public, then external,
// then unknown "", then internal) and Target lists, joined with ",", what the request names at
// that level. "The account" is the event's Account (the bucket's or resource's owner: the
// recipient of the event); when the record names no account, grants to accounts are unknown.
//
// PutBucketPolicy: the policy is requestParameters.bucketPolicy, an object or the policy as a
// JSON string (else requestParameters.policy when it holds the policy as a string). Statement
// may be one object or a list; only "Allow" statements count.
//   - Principal "*", {"AWS":"*"} (or "*" among a list): public, Target "*" — unless the
//     statement's Condition restricts it: aws:PrincipalOrgID, aws:PrincipalOrgPaths,
//     aws:SourceOrgID, aws:SourceOrgPaths, aws:SourceVpc, aws:SourceVpce make it internal (the
//     organisation, the account's networks); aws:PrincipalAccount, aws:SourceAccount (and the
//     accounts of aws:PrincipalArn, aws:SourceArn ARNs) make it those accounts' (external or
//     internal as below); aws:SourceIp, aws:VpcSourceIp make it unknown (Scope "", Target "*":
//     whose addresses, the log does not say). Operators that negate (StringNotEquals ...),
//     that pass when the key is absent (...IfExists) and Null do not restrict; neither do other
//     keys (aws:SecureTransport ...).
//   - NotPrincipal in an Allow statement: public, Target "NotPrincipal".
//   - {"AWS": an account id or an ARN}: external when the account is another, Target the
//     account id; internal when it is the account's own. An AWS principal without an account
//     (a unique id, AIDA...) is unknown.
//   - {"Service": ..}: internal. {"CanonicalUser": ..} (a CloudFront origin access identity,
//     or another account), {"Federated": ..}: unknown, Target "<kind>:<id>".
//   - No policy in the record: Scope "", Target "".
//
// PutBucketAcl, PutObjectAcl:
//   - the canned ACL x-amz-acl (a string, or a list as CloudTrail logs headers): public-read,
//     public-read-write, authenticated-read (any AWS account) are public, Target the ACL's
//     name; private, bucket-owner-read, bucket-owner-full-control, log-delivery-write,
//     aws-exec-read internal; others unknown.
//   - grant headers x-amz-grant-* ('uri="..."', 'emailAddress="..."', 'id="..."'): the AllUsers
//     and AuthenticatedUsers groups (http://acs.amazonaws.com/groups/global/...) public, Target
//     the group's URI; the LogDelivery group internal; an e-mail address external (Target it);
//     a canonical id unknown (the owner's own id is not in the request).
//   - an ACL in the body, requestParameters.AccessControlPolicy.AccessControlList.Grant (one
//     grant or a list; Grantee URI, ID or EmailAddress): groups as above; a canonical user id
//     other than AccessControlPolicy.Owner.ID external (Target the id), the owner's own
//     internal, unknown without an Owner; an e-mail address external.
//
// PutObject (and the other uploads) with a public canned ACL get Scope public and Target the
// ACL's name too (their Op stays CloudUpload).
//
// Public access blocks: Delete*PublicAccessBlock is public, Target "public access block
// removed". Put*PublicAccessBlock with any of BlockPublicAcls, IgnorePublicAcls,
// BlockPublicPolicy, RestrictPublicBuckets false (a JSON boolean or the string "false") in
// requestParameters.PublicAccessBlockConfiguration is public, Target "public access block
// lifted: <Setting>=false,..."; with all on (or no configuration) it is CloudOther.
//
// ModifySnapshotAttribute (createVolumePermission) and ModifyImageAttribute (launchPermission):
// the items of {"add":{"items":[..]}} (also a bare list under "add"): {"userId": id} external or
// internal by the account as above, Target the id; {"group":"all"} (also "groups", as some
// tools write it) public, Target "all"; organizationArn, organizationalUnitArn internal.
//
// ModifyDBSnapshotAttribute, ModifyDBClusterSnapshotAttribute: attributeName "restore",
// valuesToAdd (a list or one string): "all" public, Target "all"; account ids external or
// internal as above.
//
// PutBucketReplication (CloudReplicate): requestParameters.ReplicationConfiguration.Rule (as
// CloudTrail renders the XML body; also "Rules"), one rule or a list; rules with Status
// "Disabled" are passed over. For each rule's Destination: Target "<Account>:<Bucket ARN>" when
// the destination names an account, else the bucket's ARN; Scope external when an Account is
// another than the source's, internal when it is the source's own, and unknown ("") when the
// destination names no account (Destination.Account is optional: the bucket may be anyone's).
//
// The shapes of ModifySnapshotAttribute, ModifyImageAttribute, ModifyDBSnapshotAttribute and
// PutBucketReplication requests are not in AWS's CloudTrail examples; they follow the logged
// requests that Stratus Red Team's technique pages show and public detection rules' tests use,
// and where shapes differ or are not shown (a single rule or grant as an object or a list,
// "Rule" or "Rules", "group" or "groups", a policy as an object or a string) both are read.
//
// # Problems
//
// A line or value that is not JSON (cut in half, binary junk), an object that is not a record
// nor a known wrapper or digest, a record without a time or with an eventTime or @timestamp
// that is not a time are skipped and reported as file:position: reason, and reading goes on.
// Inside a wrapper of several records (CloudWatch Logs data, a Records document on one line)
// each bad record is reported at the wrapper's line.
//
// Documents are split into values by their frame (brackets, commas, colons, member names) and
// by where each value's brackets and strings end; a value's own syntax is checked when it is
// parsed. So a record that is not valid JSON but whose brackets balance is skipped alone. When
// the frame is broken (a missing comma, a stray bracket, junk between documents) the problem is
// reported with its byte offset and reading starts again at the next line, after it, that
// begins with '{' or '['; the records in between are lost (a delivered file is one line: the
// rest of it) and not counted. A document cut short is reported at the record it ends in; if
// the input itself failed (a truncated gzip stream) Read also returns that error. A line longer
// than source.MaxLine is skipped; a value longer than that in a document stops the input with
// an error naming its number and offset. Objects nested deeper than package jsonl scans are read
// with encoding/json.
//
// When no detection of the run reads cloud events, records are counted as ignored
// ("cloudtrail") without being mapped: in one-a-line input every line that is not blank, in
// documents every value.
//
// Strings in the events alias the read buffers, which are never reused (see package event).
package cloudtrail
