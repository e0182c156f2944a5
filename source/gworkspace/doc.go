// Package gworkspace reads Google Workspace audit activities: the activity records of the Admin
// SDK Reports API (activities.list), as the API returns them and as collectors ship them. Each
// event of each activity becomes an event.Cloud (Provider "google"); an activity with several
// events gives several, at the same position.
//
// Google's documentation read for this package (the field names below are theirs):
//
//   - the activity resource: https://developers.google.com/workspace/admin/reports/reference/rest/v1/activities/list
//     (and the API's discovery document, schemas Activities, Activity, NestedParameter)
//   - events[].status: https://developers.google.com/workspace/admin/reports/reference/rest/v1/Status
//   - Drive: https://developers.google.com/workspace/admin/reports/v1/appendix/activity/drive
//   - Gmail: https://developers.google.com/workspace/admin/reports/v1/appendix/activity/gmail
//     and the Gmail log schema it refers to, https://support.google.com/a/answer/12384955
//   - Admin, application settings: https://developers.google.com/workspace/admin/reports/v1/appendix/activity/admin-application-settings
//   - Admin, Drive settings: https://developers.google.com/workspace/admin/reports/v1/appendix/activity/admin-docs-settings
//   - Token: https://developers.google.com/workspace/admin/reports/v1/appendix/activity/token
//   - Login and User Accounts: https://developers.google.com/workspace/admin/reports/v1/appendix/activity/login,
//     https://developers.google.com/workspace/admin/reports/v1/appendix/activity/user-accounts
//
// # Shapes
//
//  1. The activities.list response, {"kind":"admin#reports#activities","etag":..,"items":[..],
//     "nextPageToken":..}, pretty-printed or on one line; several of them one after another
//     (the pages of a report saved to one file), or a JSON array of them.
//  2. Activities {"kind":"admin#reports#activity","id":{..},"actor":{..},"events":[..],..}: one
//     a line (JSON Lines, as scripts that save the API's items write them), a JSON array of
//     them, or pretty-printed one after another. (GAM's CSV reports are not read.)
//  3. An activity inside a JSON string of a collector's record: Splunk's "_raw" (an event, the
//     "result" of a search export's lines, or the elements of a results document's "results"
//     array, which is read like a page's items), Logstash's and Filebeat's "message", Elastic's
//     "event.original" (nested or as a dotted key). Filebeat's and Elastic Agent's
//     google_workspace input splits an activity's events into one document each, with "events"
//     holding that one event as an object rather than an array: both are read. Elastic
//     documents that kept only the ECS fields (google_workspace.*, without event.original)
//     are not read.
//
// A record is an activity when its kind is "admin#reports#activity", or when it has an id with a
// time and an applicationName and an events member (tools that drop the kind). A record that is
// a page (kind "admin#reports#activities", or an "items" array; or a "results" array) gives its
// items' events; a page without items (a report with no activities) gives nothing and is no
// problem. A wrapper is unwrapped up to three levels deep.
//
// # Sniffing
//
// Sniff claims input whose first record (the first value, or the first element of a top-level
// array) is one of the shapes above: a page, an activity, or a wrapper whose string holds one.
// When the first record does not decode (longer than the sniffed head, or broken), it claims
// the head when its text holds "admin#reports#activity" (which the page's kind contains too),
// or the three keys of an activity's id (uniqueQualifier, applicationName, customerId). It never
// claims other JSON: Zeek, Windows events, Splunk Stream or exports of them, CloudTrail (whose
// Logstash "message" holds no activity), Microsoft 365 records.
//
// # Reading and positions
//
// When the first line that holds a value is a complete object on its own line that is not a
// page, the input is read as one record a line, in blocks that the workers parse in parallel;
// an event's position (event.Ref.Line) is its line, and Records gives the line back (a line
// holding a whole page gives all its events at that line; a pretty-printed document further
// down is not reassembled: its lines are reported as invalid JSON). Otherwise
// (an array, a pretty-printed document, pages) a streaming scanner finds the records: an
// object at the top level or in a top-level array is a record, unless it is a page, whose
// items are the records; an event's position is then the 1-based ordinal of its record (the
// activity, or the collector's record around it) in the file, and Records gives that record
// back compacted to one line. A page of any size is read record by record (it is never held
// whole).
//
// # Field mapping
//
//	event.Cloud  activity
//	TS           id.time (RFC 3339; also "2006-01-02 15:04:05" as UTC, and UNIX epoch seconds,
//	             milliseconds or microseconds, told apart by magnitude)
//	UID          id.uniqueQualifier; with "#" and the event's 1-based index when the activity
//	             has several events (Filebeat's split documents hold one each: no index)
//	Provider     "google"
//	Service      id.applicationName (drive, gmail, admin, login, token, user_accounts, ...)
//	Name         events[i].name
//	User         actor.email, else actor.key when actor.callerType is KEY, else actor.profileId,
//	             else actor.key
//	UserType     actor.callerType (USER, KEY, ...)
//	AccessKey    actor.key (the OAuth 2LO consumer key or robot account id of KEY callers)
//	Account      id.customerId
//	Src          ipAddress, when it is an address (an IPv4-mapped IPv6 address is unmapped)
//	SrcName      ipAddress when it is not an address; else actor.applicationInfo.applicationName
//	Object       the doc_title parameter (any application); per application below
//	ObjectID     the doc_id parameter (any application); per application below
//	Error        events[i].status.errorCode, else its errorMessage, when errorCode is set or
//	             eventStatus is FAILED (then "FAILED" when neither is)
//	Bytes        event.Unset, but for Gmail's payload size and Token's response size (below)
//	Count        1
//	Owner        not set: ownerDomain is a domain, not a customer id like Account, and no
//	             parameter names the owning customer
//
// Parameters are read whatever their value member (value, intValue, boolValue, multiValue,
// multiIntValue, multiBoolValue); messageValue and multiMessageValue nest parameters, which are
// named with dots ("message_info.subject"), each element of a multiMessageValue adding its own.
// A parameter already named with dots (a tool that flattened them) reads the same.
//
// # Drive (applicationName "drive")
//
//	Container  "shared drive " + shared_drive_id, else "shared drive " + owner_shared_drive_id,
//	           else "shared drive " + owner when owner_is_shared_drive (owner is then the
//	           shared drive's name), else owner (the owner's e-mail address)
//	Object     doc_title
//	ObjectID   doc_id
//	Bytes      event.Unset: no Drive event documents a size parameter
//
// Operations:
//
//	upload                          CloudUpload
//	download                        CloudDownload
//	change_user_access              CloudShare, unless new_value lists only "none" (access removed)
//	change_document_visibility      CloudShare, unless the new visibility is private (or none)
//	change_document_access_scope    CloudShare, unless new_value lists only "none"
//	shared_drive_membership_change  CloudShare when added_role is set (and not "none")
//	anything else                   CloudOther: create (a new native document), copy, view,
//	                                preview, print, edit, the *_hierarchy_reconciled events
//	                                (permissions a file inherits from its folder: the folder's own
//	                                event is the share), change_acl_editors (who may change the
//	                                sharing, not who has access), deletions, moves
//
// Scope and Target of Drive shares (the organisation's domain is ownerDomain, else the actor's
// e-mail domain; a domain belongs to it when equal or a subdomain either way):
//
//   - change_user_access: Target is target_user (the user or group given access), else
//     target_domain. Scope is public when there is no target_user and target_domain is "all"
//     (Target is then the visibility parameter); external when visibility_change is "external";
//     else external or internal as the target's domain is outside the organisation or in it;
//     else internal when visibility_change is "internal"; else "" (unknown). The visibility
//     parameter (the document's overall visibility after the change) does not make a user
//     share public: link sharing logs its own change_document_visibility event.
//   - change_document_visibility: the new visibility is new_value (else visibility):
//     people_with_link and public_on_the_web (and the aliases anyone_with_link and public) are
//     public, Target the visibility; people_within_domain_with_link and public_in_the_domain are
//     internal, or external when target_domain names another domain (Target the domain);
//     shared_externally is external, shared_internally internal; private is no share; another
//     value is a share of unknown scope.
//   - change_document_access_scope: new_value is a role (can_view, can_edit, ... or none); the
//     scope comes from the visibility parameter as above, with target_domain ("all" meaning
//     every domain that can see the document, not the public); when the visibility says
//     nothing, Target is target_domain and Scope its domain's.
//   - shared_drive_membership_change: Target is target (else target_user), Scope its domain's.
//
// A link share logs change_document_visibility and change_document_access_scope together:
// both become shares. The billable, primary_event and old_* parameters are ignored.
//
// # Gmail (applicationName "gmail", event name always "delivery")
//
// event_info.mail_event_type says what happened: 1 (message sent) and 11 (message autoforwarded
// by a forwarding setting) are CloudMail; 17 (attachments downloaded) is CloudDownload; any
// other (received, opened, replied to, forwarded for the first time: interactions whose
// outgoing message, when there is one, logs its own "sent" event, ...) is CloudOther.
//
//	Recipients  message_info.destination.address (one per destination), else the addresses of
//	            message_info.flattened_destinations ("service::address" items, comma separated)
//	Bytes       message_info.payload_size, the message's size in bytes
//	Object      message_info.subject
//	ObjectID    message_info.rfc2822_message_id
//	Container   the mailbox: the actor's address
//
// Google documents event_info and message_info as message parameters whose nested parameters
// have the names of its Gmail log schema (message_info.payload_size, .subject, .source.address,
// .destination[].address); the API's NestedParameter type has no further nesting, so where
// destination sits (a multiMessageValue inside message_info, or parameters already named
// "destination.address") is not documented: both read the same. Scope is not set for mail.
//
// # Admin console (applicationName "admin")
//
//	CREATE_EMAIL_MONITOR         CloudShare: Object USER_EMAIL (the monitored mailbox), Target
//	                             EMAIL_MONITOR_DEST_EMAIL (who receives copies), Scope by its domain
//	TRANSFER_DOCUMENT_OWNERSHIP  CloudShare: Object USER_EMAIL (the former owner), Target NEW_VALUE
//	                             (the new owner), Scope by its domain
//	a setting change             CloudShare with Scope external and Target NEW_VALUE when
//	                             SETTING_NAME is SHARING_OUTSIDE_DOMAIN (Drive and Docs, Calendar)
//	                             or SHARING_INVITES_TO_NON_GOOGLE_ACCOUNTS and NEW_VALUE allows it
//	                             (anything but SHARING_NOT_ALLOWED,
//	                             SHARING_NOT_ALLOWED_BUT_MAY_RECEIVE_FILES, INHERIT_FROM_PARENT,
//	                             NOT_ALLOWED, DISALLOWED, false, SHOW_ONLY_FREE_BUSY_INFORMATION);
//	                             Object SETTING_NAME; DELETE_* events are CloudOther
//	anything else                CloudOther, Object USER_EMAIL, else SETTING_NAME
//
// Container is ORG_UNIT_NAME, else GROUP_EMAIL. The organisation's domain for these scopes is
// DOMAIN_NAME when the event has it.
//
// # Token, Login, other applications
//
// Token events (authorize, revoke, activity, request) are CloudOther with Target app_name (the
// app granted access or calling), ObjectID client_id, Object method_name and Container api_name
// (the "activity" event's API call), Bytes num_response_bytes (the call's response size). Login
// events are CloudOther. email_forwarding_out_of_domain (a user forwarding their mail to another
// domain; Google lists it with the login events, some collectors under user_accounts) is
// CloudShare with Scope external and Target email_forwarding_destination_address, whatever the
// application. Other applications' events are CloudOther with the common fields.
//
// # Problems
//
// A line or record that is not JSON (cut in half, binary junk), a record that is not an
// activity, a page item that is not one, a bad id.time or a field of the wrong type are skipped
// and reported as file:line: reason (in the document shapes, the line the record starts on,
// with its ordinal); reading goes on. The scanner breaks a record at a newline inside a string,
// at a closing bracket that does not match, at a line that opens a value at or left of the
// record's own column (in indented JSON the inside of a value is indented further; compact
// records fit on their line), or at the end of the input, and resumes at the next line that
// opens a value no deeper than the broken one. A line (one-a-line input) or record longer than
// source.MaxLine is skipped. An activity without events is counted as ignored.
//
// When no detection of the run reads cloud events, the events are counted (Ignored
// "gworkspace") without being mapped. Strings in the events do not alias the read buffers
// (encoding/json copies them).
package gworkspace
