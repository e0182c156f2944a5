// Package m365 reads the Microsoft 365 unified audit log: SharePoint and OneDrive file and
// sharing activity, Exchange mailbox and admin activity, Microsoft Entra sign-ins and the rest
// of what the log holds. Each audit record becomes one event.Cloud (Provider "m365"); records
// of no interest to the cloud detections are still events, of operation event.CloudOther.
//
// Field names are Microsoft's, from the "Office 365 Management Activity API schema"
// (https://learn.microsoft.com/office/office-365-management-api/office-365-management-activity-api-schema)
// and the activity tables of "Audit log activities" and "Use sharing auditing in the audit log"
// (https://learn.microsoft.com/purview/audit-log-activities,
// https://learn.microsoft.com/purview/audit-log-sharing). Keys are matched without regard to
// case.
//
// # Shapes
//
//  1. The Management Activity API's records: a JSON array of audit records (the content blob
//     as the API returns it, one array on one line, or pretty-printed), or one record a line
//     (Splunk's o365:management:activity, jq -c '.[]'). A line may also hold a whole array.
//  2. Search-UnifiedAuditLog results converted to JSON (ConvertTo-Json: an array, or one object,
//     pretty-printed with Windows PowerShell's escapes and "\/Date(ms)\/" dates; -Compress, one a
//     line): objects with RecordType, CreationDate, UserIds, Operations, ResultIndex, ResultCount,
//     Identity and AuditData, the audit record as a JSON string (or, from tools that decoded it,
//     as an object). The record in AuditData is mapped; CreationDate, UserIds, Operations and
//     Identity stand in for its CreationTime, UserId, Operation and Id when it lacks them.
//  3. The CSV export of an audit search: the Purview portal's (RecordId, CreationDate,
//     RecordType, Operation, UserId, AuditData, AssociatedAdminUnits, AssociatedAdminUnitsNames)
//     and Export-Csv of Search-UnifiedAuditLog (Windows PowerShell's "#TYPE ..." line first,
//     every field quoted; RunspaceId, RecordType, CreationDate, UserIds, Operations, AuditData,
//     ResultIndex, ResultCount, Identity, IsValid, ObjectState). Any header naming CreationDate,
//     UserIds or UserId, Operations or Operation, and AuditData is taken; columns are found by
//     name. RFC 4180 quoting ("" inside quotes; a quoted field may span lines), read with
//     encoding/csv strictly (no lazy quotes) and the header's number of fields. RecordId or
//     Identity stands in for the record's Id, and the other columns as in shape 2.
//
// Text is UTF-8 (a byte order mark is dropped) or, after its byte order mark, UTF-16 of either
// byte order, which Windows PowerShell 5.1's Out-File and > write.
//
// # Sniffing
//
// Sniff claims input whose first record (passing over blank lines; the first element of an
// array) is a JSON object with the top-level keys of an audit record (CreationTime and
// Operation, with RecordType, Workload, OrganizationId or UserKey) or of a search result
// (AuditData, with CreationDate, UserIds, Operations or ResultIndex), or whose first line
// (after "#TYPE ...") is a CSV header as above. A first record longer than the sniffed head is
// judged by the keys its text holds. Zeek, Windows event JSON, Splunk Stream, CloudTrail
// (Records, eventName), Google Workspace (kind, id.applicationName, events) and Microsoft Graph
// (camelCase operation, auditData) have none of these keys and are not claimed.
//
// # Positions
//
// One record a line: the line (every record of a line holding an array has that line). JSON
// documents (arrays, pretty-printed objects): the record's 1-based ordinal in the input, every
// object counted, good or not (problems are still reported at the line the record starts on,
// with "record N"). CSV: the line the row starts on. Records gives a line as it is, a document
// record compacted to one line, and a CSV row as one JSON object of its columns by header name
// (AuditData as the object it holds).
//
// # Field mapping
//
//	event.Cloud   audit record (AuditData)                       fallback
//	TS            CreationTime: ISO 8601, no zone = UTC;         CreationDate (ISO 8601,
//	              a zone or Z is honoured                         "M/d/yyyy h:mm:ss AM" read as
//	                                                              UTC, "/Date(ms)/")
//	UID           Id                                             Identity, RecordId
//	Provider      "m365"
//	Service       Workload (SharePoint, OneDrive, Exchange, AzureActiveDirectory, MicrosoftTeams ...)
//	Name          Operation, exactly as logged                   Operations, Operation
//	User          UserId                                         UserIds, UserId
//	UserType      UserType: 0 Regular, 1 Reserved, 2 Admin, 3 DCAdmin, 4 System, 5 Application,
//	              6 ServicePrincipal, 7 CustomPolicy, 8 SystemPolicy, 9 PartnerTechnician,
//	              10 Guest; another number or a name as written
//	Account       OrganizationId (the tenant's GUID)
//	Src, SrcName  the first non-empty of ClientIP, ClientIPAddress (Exchange mailbox),
//	              ActorIpAddress (Entra): "192.0.2.1", "2001:db8::1", "192.0.2.1:51234",
//	              "[2001:db8::1]:443", "[2001:db8::1]", "::ffff:192.0.2.1" (as 192.0.2.1) are
//	              addresses; anything else goes to SrcName as written
//	UserAgent     UserAgent (SharePoint, OneDrive), else ClientInfoString (Exchange mailbox),
//	              else the ExtendedProperties pair named UserAgent (Entra sign-ins)
//	Container     SiteUrl (SharePoint, OneDrive); the mailbox for mail (see below)
//	Object        SourceRelativeUrl + "/" + SourceFileName (SourceFileName alone when the file
//	              is at the site's root), else ObjectId (the full URL for SharePoint, the
//	              object a cmdlet changed, an application id ...); for mail see below
//	ObjectID      Item.InternetMessageId of a message sent; else empty (ListItemUniqueId is not
//	              used: not every record of a file carries it, and the object's key must agree
//	              across a file's events)
//	Bytes         FileSizeBytes (SharePoint, OneDrive; a number or a string of digits), mail
//	              sizes below; else event.Unset
//	Count         OperationCount when above 0 (aggregated records), else for MailItemsAccessed
//	              the number of Folders[].FolderItems, else 1
//	Scope, Target see the operation table
//	Recipients    recipientList[].Address of a message sent (nil when the record has none)
//	Error         LogonError (Entra, the reason a sign-in failed), else ErrorCode when not "0",
//	              else ResultStatus when it says failure: "Failed", "Failure", "Fail" or, from
//	              Exchange admin cmdlets, "False" (any case); "Succeeded", "PartiallySucceeded",
//	              "True", "Success" are no error
//	Sensor, Role, AccessKey, Instance, Region, Owner: not filled (the log has no such thing)
//
// Sizes. The schema documents no size for SharePoint or OneDrive file operations. Published
// parsers of real records (Exabeam's content library, for FileUploaded) read FileSizeBytes, a
// number, from uploads; which other operations carry it could not be confirmed from
// Microsoft's documentation. The reader takes it on any record that has it; where it is absent
// (downloads, shares, and uploads without it) Bytes is Unset, and a detection may learn a
// file's size from another event of the same Container and Object. For mail the schema
// documents ExchangeItem.SizeInBytes ("Size of the Exchange item in bytes"),
// ExchangeItem.Attachments ("A list of the names and file size of all items that are attached
// to the message", written "name (12345b); name (678b)") and ExchangeFolderItem.SizeInBytes.
//
// # Operations
//
//	Operation                                         Op             Scope, Target
//	FileUploaded, FileSyncUploadedFull,               CloudUpload
//	FileSyncUploadedPartial (deprecated)
//	FileDownloaded, FileSyncDownloadedFull,           CloudDownload
//	FileSyncDownloadedPartial (deprecated)
//	AnonymousLinkUsed (a download through an          CloudDownload  public; User as logged
//	Anyone link)                                                     ("urn:spo:anon#..."), or
//	                                                                 "anonymous" when empty
//	AnonymousLinkCreated                              CloudShare     public
//	CompanyLinkCreated                                CloudShare     internal
//	SharingInvitationCreated (an invitation to        CloudShare     external; Target the
//	someone outside the directory)                                   TargetUserOrGroupName
//	SharingSet, AddedToSecureLink, SecureLinkCreated, CloudShare     by the target (below);
//	AccessInvitationCreated                                          Target TargetUserOrGroupName
//	AddedToGroup                                      CloudShare when the target is external
//	                                                  or public (a guest or outsider added to a
//	                                                  site's group), else CloudOther
//	SharingPolicyChanged                              CloudShare     public, Target the property
//	                                                  when a ModifiedProperties NewValue opens
//	                                                  sharing to Anyone, else CloudOther
//	Send, SendAs, SendOnBehalf                        CloudMail      (see Mail)
//	MailItemsAccessed                                 CloudDownload  Target the MailAccessType
//	New-InboxRule, Set-InboxRule, Set-Mailbox,        CloudShare when they forward (see
//	New-TransportRule, Set-TransportRule              Forwarding), else CloudOther
//	anything else (FileAccessed, FilePreviewed,       CloudOther
//	FileModified, UserLoggedIn, UserLoginFailed ...)
//
// FileAccessed and FilePreviewed are reads in the browser, not downloads, and stay CloudOther.
// SharingInvitationAccepted, AnonymousLinkUpdated, CompanyLinkUsed and SecureLinkUsed follow a
// share already counted and stay CloudOther.
//
// Scope of a SharePoint share's target, in order: TargetUserOrGroupType Guest or Partner, or a
// name with "#EXT#" (a guest's UPN), is external; a name "SharingLinks.<id>.<kind>.<id>" (the
// group SharePoint makes for a sharing link) is public for an Anonymous* kind, internal for an
// Organization* kind, unknown ("") otherwise (Flexible: specific people, named by
// AddedToSecureLink); type Member is internal; a group (SharePointGroup, SecurityGroup) is
// internal; else a name that is an address is internal when its domain is the organisation's
// (below), external when not; else unknown (""). SecureLinkCreated names nobody (its
// AddedToSecureLink does) and is a share of unknown scope.
//
// SharingPolicyChanged: what SharePoint writes in ModifiedProperties ([{Name, NewValue,
// OldValue}]) for each policy is not documented. The reader calls a change public when a
// NewValue names the SharingCapabilities value that allows Anyone links
// (ExternalUserAndGuestSharing) or contains "Anyone" or "Anonymous"; other sharing changes are
// CloudOther.
//
// The organisation's domains, for these decisions, are those the record shows: the domain of
// UserId, of MailboxOwnerUPN, of ObjectId when it is an address, and OrganizationName (the
// tenant, "contoso.onmicrosoft.com"). A domain is the organisation's when it is one of them, a
// subdomain of one or a parent of one; nothing else is guessed (a look-alike "contoso.xyz" is
// outside). With no domain known (app@sharepoint, a datacenter account) the scope is unknown.
//
// # Mail
//
// Send, SendAs, SendOnBehalf: Container the mailbox (MailboxOwnerUPN; SendAsUserSmtp for
// SendAs and SendOnBehalfOfUserSmtp for SendOnBehalf when set); Object Item.Subject; ObjectID
// Item.InternetMessageId; Bytes Item.SizeInBytes (the item's size), else the
// sum of the sizes in Item.Attachments when it gives any, else Unset; Recipients
// recipientList[].Address (recent records; older ones name no recipient). The number of
// attachments has no field of its own.
//
// MailItemsAccessed: Container MailboxOwnerUPN; Object the Folders' Path values joined by
// "; "; Count OperationCount, else the number of FolderItems; Bytes the sum of the
// FolderItems' SizeInBytes when any is given (a lower bound if some lack one), else Unset;
// Target the OperationProperties value named MailAccessType: "Bind" (items read one by one) or
// "Sync" (a whole folder downloaded to a mail client); Name stays "MailItemsAccessed". Scope is
// empty.
//
// # Forwarding
//
// Exchange admin records carry the cmdlet's parameters as Parameters: [{Name, Value}]. These
// parameters send a mailbox's mail elsewhere (MITRE ATT&CK T1114.003): ForwardTo,
// ForwardAsAttachmentTo and RedirectTo of New-InboxRule and Set-InboxRule;
// ForwardingSmtpAddress and ForwardingAddress of Set-Mailbox; BlindCopyTo, RedirectMessageTo,
// CopyTo and AddToRecipients of New-TransportRule and Set-TransportRule. A record with one of
// them set (not empty, not "$null") is CloudShare: Target the addresses found in the values
// ("smtp:a@b", "\"Name\" [SMTP:a@b]", "a@b;c@d"), joined by ";", followed by values that are no
// address (a recipient named by alias); Scope external when an address is outside the
// organisation, internal when every value is an address inside it, unknown otherwise;
// Container the mailbox (MailboxOwnerUPN, else the part of an inbox rule's ObjectId
// "mailbox\rule" before the backslash, else Set-Mailbox's ObjectId). Outlook's UpdateInboxRules
// (rules made in the desktop client) does not list its actions in a documented form and stays
// CloudOther.
//
// # Ignored
//
// Everything else in a record: UserKey, Version, RecordType (the reader goes by Operation),
// EventSource, ItemType, ListId, ListItemUniqueId, Site, WebId, EventData, AppAccessContext,
// LogonType, ExternalAccess, MailboxGuid, SessionId, Actor, Target, DeviceProperties and the
// like. A search result's RunspaceId, ResultIndex, ResultCount, IsValid, ObjectState and a CSV
// export's AssociatedAdminUnits columns are ignored. When no detection reads cloud events the
// records are counted (Ignored "m365") without being decoded.
//
// # Problems
//
// A record that is not JSON (cut in half, binary junk), an AuditData that is not a JSON object,
// an object with no Operation or no time, a time that cannot be read, a CSV row with a bad
// quote or the wrong number of fields, and a record longer than source.MaxLine (16 MiB) are
// skipped and reported as file:line: reason (JSON documents: the line the record starts on,
// and its ordinal); reading goes on. In JSON documents a record whose text breaks (a line that
// ends inside a string, a bracket that closes what it did not open) is reported and reading
// starts again at the first line, within it or after, that opens a record no deeper than it
// did; the end of the input inside a record reports it as cut short. In a CSV export a quoted
// field left open ends at the next line that is a whole row by itself (its quotes balanced,
// the header's number of fields), and the partial row is reported. Read returns an error only
// when the input cannot be read on, or is no audit log at all.
//
// Strings in the events are allocated, not aliased to the read buffer.
package m365
