package m365

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/event"
)

// rec builds a one-line audit record from a base and the fields given (a nil value removes a
// key).
func rec(base map[string]any, kv ...any) string {
	m := map[string]any{}
	for k, v := range base {
		m[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(m, kv[i].(string))
			continue
		}
		m[kv[i].(string)] = kv[i+1]
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

var (
	spBase = map[string]any{
		"CreationTime": "2024-03-04T09:15:02", "Id": "id-1", "Operation": "FileUploaded", "OrganizationId": "org-1",
		"RecordType": 6, "UserKey": "k", "UserType": 0, "Version": 1, "Workload": "SharePoint", "ClientIP": "203.0.113.5",
		"ObjectId": "https://contoso.sharepoint.com/sites/Finance/Shared Documents/a.xlsx", "UserId": "megan.bowen@contoso.com",
		"UserAgent": "Mozilla/5.0", "SiteUrl": "https://contoso.sharepoint.com/sites/Finance/",
		"SourceRelativeUrl": "Shared Documents", "SourceFileName": "a.xlsx",
	}
	exBase = map[string]any{
		"CreationTime": "2024-03-04T13:21:08", "Id": "id-2", "Operation": "Send", "OrganizationId": "org-1",
		"RecordType": 2, "UserKey": "k", "UserType": 0, "Version": 1, "Workload": "Exchange", "ClientIP": "198.51.100.9",
		"UserId": "megan.bowen@contoso.com", "ClientIPAddress": "198.51.100.9", "ClientInfoString": "Client=OWA",
		"MailboxOwnerUPN": "megan.bowen@contoso.com", "OrganizationName": "contoso.onmicrosoft.com", "ResultStatus": "Succeeded",
	}
	adminBase = map[string]any{
		"CreationTime": "2024-03-04T15:11:48", "Id": "id-3", "Operation": "New-InboxRule", "OrganizationId": "org-1",
		"RecordType": 1, "UserKey": "k", "UserType": 2, "Version": 1, "Workload": "Exchange", "ClientIP": "203.0.113.7",
		"ObjectId": "megan.bowen\\Fwd", "UserId": "megan.bowen@contoso.com", "OrganizationName": "contoso.onmicrosoft.com",
		"ResultStatus": "True",
	}
	aadBase = map[string]any{
		"CreationTime": "2024-03-04T08:59:41", "Id": "id-4", "Operation": "UserLoggedIn", "OrganizationId": "org-1",
		"RecordType": 15, "UserKey": "k", "UserType": 0, "Version": 1, "Workload": "AzureActiveDirectory",
		"ClientIP": "203.0.113.25", "UserId": "megan.bowen@contoso.com", "ResultStatus": "Success", "ErrorCode": "0",
		"ExtendedProperties": []any{map[string]any{"Name": "UserAgent", "Value": "Mozilla/5.0 (X11)"}},
	}
)

// mapLine reads one line and returns its single event.
func mapLine(t *testing.T, line string) event.Cloud {
	t.Helper()
	var c collector
	st, err := readString(t, "x.jsonl", line+"\n", &c)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.got) != 1 {
		t.Fatalf("%d events (%v: %s) from %s", len(c.got), st.Skipped, problems(st), line)
	}
	return c.got[0]
}

// want holds the fields a case checks; zero values are checked too, except where noted.
type want struct {
	op         event.CloudOp
	scope      string
	target     string
	container  string
	object     string
	objectID   string
	bytes      int64
	count      int64
	user       string
	userType   string
	src        string // address, or "" for none
	srcName    string
	ua         string
	err        string
	recipients event.List
}

func check(t *testing.T, name string, e event.Cloud, w want) {
	t.Helper()
	if w.count == 0 {
		w.count = 1
	}
	got := want{op: e.Op, scope: e.Scope, target: e.Target, container: e.Container, object: e.Object, objectID: e.ObjectID,
		bytes: e.Bytes, count: e.Count, user: e.User, userType: e.UserType, srcName: e.SrcName, ua: e.UserAgent, err: e.Error,
		recipients: e.Recipients}
	if e.Src.IsValid() {
		got.src = e.Src.String()
	}
	// fields a case leaves out are not compared
	if w.user == "" {
		got.user = ""
	}
	if w.userType == "" {
		got.userType = ""
	}
	if w.ua == "" {
		got.ua = ""
	}
	if w.src == "" && w.srcName == "" {
		got.src, got.srcName = "", ""
	}
	if w.container == "" && w.object == "" {
		got.container, got.object = "", ""
	}
	if !reflect.DeepEqual(got, w) {
		t.Errorf("%s:\n got  %+v\n want %+v", name, got, w)
	}
}

func TestMapping(t *testing.T) {
	const (
		site = "https://contoso.sharepoint.com/sites/Finance/"
		file = "Shared Documents/a.xlsx"
	)
	cases := []struct {
		name string
		line string
		w    want
	}{
		// SharePoint and OneDrive files
		{"FileUploaded with a size", rec(spBase, "FileSizeBytes", 48213),
			want{op: event.CloudUpload, container: site, object: file, bytes: 48213, user: "megan.bowen@contoso.com", userType: "Regular",
				src: "203.0.113.5", ua: "Mozilla/5.0"}},
		{"FileUploaded, size as a string", rec(spBase, "FileSizeBytes", "1024"),
			want{op: event.CloudUpload, container: site, object: file, bytes: 1024}},
		{"FileUploaded without a size", rec(spBase),
			want{op: event.CloudUpload, container: site, object: file, bytes: event.Unset}},
		{"FileSyncUploadedFull", rec(spBase, "Operation", "FileSyncUploadedFull", "Workload", "OneDrive", "FileSizeBytes", 7),
			want{op: event.CloudUpload, container: site, object: file, bytes: 7}},
		{"FileSyncUploadedPartial (deprecated)", rec(spBase, "Operation", "FileSyncUploadedPartial"),
			want{op: event.CloudUpload, container: site, object: file, bytes: event.Unset}},
		{"FileDownloaded", rec(spBase, "Operation", "FileDownloaded"),
			want{op: event.CloudDownload, container: site, object: file, bytes: event.Unset}},
		{"FileSyncDownloadedFull", rec(spBase, "Operation", "FileSyncDownloadedFull"),
			want{op: event.CloudDownload, container: site, object: file, bytes: event.Unset}},
		{"FileSyncDownloadedPartial", rec(spBase, "Operation", "FileSyncDownloadedPartial"),
			want{op: event.CloudDownload, container: site, object: file, bytes: event.Unset}},
		{"file in the site's root", rec(spBase, "Operation", "FileDownloaded", "SourceRelativeUrl", ""),
			want{op: event.CloudDownload, container: site, object: "a.xlsx", bytes: event.Unset}},
		{"no file name: the ObjectId", rec(spBase, "Operation", "FileAccessed", "SourceFileName", nil, "SiteUrl", nil),
			want{op: event.CloudOther, object: "https://contoso.sharepoint.com/sites/Finance/Shared Documents/a.xlsx", bytes: event.Unset}},
		{"FileAccessed is no download", rec(spBase, "Operation", "FileAccessed"),
			want{op: event.CloudOther, container: site, object: file, bytes: event.Unset}},

		// sharing
		{"AnonymousLinkCreated", rec(spBase, "Operation", "AnonymousLinkCreated", "RecordType", 14),
			want{op: event.CloudShare, scope: event.ScopePublic, container: site, object: file, bytes: event.Unset}},
		{"AnonymousLinkUsed", rec(spBase, "Operation", "AnonymousLinkUsed", "UserId", "urn:spo:anon#abc"),
			want{op: event.CloudDownload, scope: event.ScopePublic, container: site, object: file, bytes: event.Unset, user: "urn:spo:anon#abc"}},
		{"AnonymousLinkUsed without a user", rec(spBase, "Operation", "AnonymousLinkUsed", "UserId", nil),
			want{op: event.CloudDownload, scope: event.ScopePublic, container: site, object: file, bytes: event.Unset, user: "anonymous"}},
		{"CompanyLinkCreated", rec(spBase, "Operation", "CompanyLinkCreated"),
			want{op: event.CloudShare, scope: event.ScopeInternal, container: site, object: file, bytes: event.Unset}},
		{"SharingInvitationCreated", rec(spBase, "Operation", "SharingInvitationCreated", "TargetUserOrGroupName", "jon@fabrikam.com"),
			want{op: event.CloudShare, scope: event.ScopeExternal, target: "jon@fabrikam.com", container: site, object: file, bytes: event.Unset}},
		{"SharingSet to a guest", rec(spBase, "Operation", "SharingSet", "TargetUserOrGroupName", "jon_fabrikam.com#EXT#@contoso.onmicrosoft.com", "TargetUserOrGroupType", "Guest"),
			want{op: event.CloudShare, scope: event.ScopeExternal, target: "jon_fabrikam.com#EXT#@contoso.onmicrosoft.com", container: site, object: file, bytes: event.Unset}},
		{"SharingSet to #EXT# without a type", rec(spBase, "Operation", "SharingSet", "TargetUserOrGroupName", "jon_fabrikam.com#EXT#@contoso.onmicrosoft.com"),
			want{op: event.CloudShare, scope: event.ScopeExternal, target: "jon_fabrikam.com#EXT#@contoso.onmicrosoft.com", container: site, object: file, bytes: event.Unset}},
		{"SharingSet to a partner", rec(spBase, "Operation", "SharingSet", "TargetUserOrGroupName", "p@partner.example", "TargetUserOrGroupType", "Partner"),
			want{op: event.CloudShare, scope: event.ScopeExternal, target: "p@partner.example", container: site, object: file, bytes: event.Unset}},
		{"SharingSet to a member", rec(spBase, "Operation", "SharingSet", "TargetUserOrGroupName", "alex@contoso.com", "TargetUserOrGroupType", "Member"),
			want{op: event.CloudShare, scope: event.ScopeInternal, target: "alex@contoso.com", container: site, object: file, bytes: event.Unset}},
		{"SharingSet to a member of another domain of the tenant", rec(spBase, "Operation", "SharingSet", "TargetUserOrGroupName", "sam@fabrikam.com", "TargetUserOrGroupType", "Member"),
			want{op: event.CloudShare, scope: event.ScopeInternal, target: "sam@fabrikam.com", container: site, object: file, bytes: event.Unset}},
		{"SharingSet to an Anyone link's group", rec(spBase, "Operation", "SharingSet", "TargetUserOrGroupName", "SharingLinks.1f2e.AnonymousEdit.9a8b", "TargetUserOrGroupType", "SharePointGroup"),
			want{op: event.CloudShare, scope: event.ScopePublic, target: "SharingLinks.1f2e.AnonymousEdit.9a8b", container: site, object: file, bytes: event.Unset}},
		{"SharingSet to a company link's group", rec(spBase, "Operation", "SharingSet", "TargetUserOrGroupName", "SharingLinks.1f2e.OrganizationView.9a8b", "TargetUserOrGroupType", "SharePointGroup"),
			want{op: event.CloudShare, scope: event.ScopeInternal, target: "SharingLinks.1f2e.OrganizationView.9a8b", container: site, object: file, bytes: event.Unset}},
		{"SharingSet to a specific-people link's group", rec(spBase, "Operation", "SharingSet", "TargetUserOrGroupName", "SharingLinks.1f2e.Flexible.9a8b", "TargetUserOrGroupType", "SharePointGroup"),
			want{op: event.CloudShare, target: "SharingLinks.1f2e.Flexible.9a8b", container: site, object: file, bytes: event.Unset}},
		{"SharingSet to a site group", rec(spBase, "Operation", "SharingSet", "TargetUserOrGroupName", "Finance Members", "TargetUserOrGroupType", "SharePointGroup"),
			want{op: event.CloudShare, scope: event.ScopeInternal, target: "Finance Members", container: site, object: file, bytes: event.Unset}},
		{"SharingSet to an outside address, no type", rec(spBase, "Operation", "SharingSet", "TargetUserOrGroupName", "jon@fabrikam.com"),
			want{op: event.CloudShare, scope: event.ScopeExternal, target: "jon@fabrikam.com", container: site, object: file, bytes: event.Unset}},
		{"SharingSet to an inside address, no type", rec(spBase, "Operation", "SharingSet", "TargetUserOrGroupName", "alex@eu.contoso.com"),
			want{op: event.CloudShare, scope: event.ScopeInternal, target: "alex@eu.contoso.com", container: site, object: file, bytes: event.Unset}},
		{"SharingSet, target unknown", rec(spBase, "Operation", "SharingSet", "TargetUserOrGroupName", "Someone"),
			want{op: event.CloudShare, target: "Someone", container: site, object: file, bytes: event.Unset}},
		{"AddedToSecureLink to a guest", rec(spBase, "Operation", "AddedToSecureLink", "TargetUserOrGroupName", "jon@fabrikam.com", "TargetUserOrGroupType", "Guest"),
			want{op: event.CloudShare, scope: event.ScopeExternal, target: "jon@fabrikam.com", container: site, object: file, bytes: event.Unset}},
		{"SecureLinkCreated: nobody yet", rec(spBase, "Operation", "SecureLinkCreated"),
			want{op: event.CloudShare, container: site, object: file, bytes: event.Unset}},
		{"AddedToGroup: a member", rec(spBase, "Operation", "AddedToGroup", "TargetUserOrGroupName", "alex@contoso.com", "TargetUserOrGroupType", "Member"),
			want{op: event.CloudOther, container: site, object: file, bytes: event.Unset}},
		{"AddedToGroup: a guest", rec(spBase, "Operation", "AddedToGroup", "TargetUserOrGroupName", "jon@fabrikam.com", "TargetUserOrGroupType", "Guest"),
			want{op: event.CloudShare, scope: event.ScopeExternal, target: "jon@fabrikam.com", container: site, object: file, bytes: event.Unset}},
		{"SharingPolicyChanged to Anyone", rec(spBase, "Operation", "SharingPolicyChanged", "SourceFileName", nil, "ObjectId", "",
			"ModifiedProperties", []any{map[string]any{"Name": "SharingCapability", "NewValue": "ExternalUserAndGuestSharing", "OldValue": "ExternalUserSharingOnly"}}),
			want{op: event.CloudShare, scope: event.ScopePublic, target: "SharingCapability", container: site, bytes: event.Unset}},
		{"SharingPolicyChanged otherwise", rec(spBase, "Operation", "SharingPolicyChanged", "SourceFileName", nil, "ObjectId", "",
			"ModifiedProperties", []any{map[string]any{"Name": "SharingCapability", "NewValue": "Disabled", "OldValue": "ExternalUserSharingOnly"}}),
			want{op: event.CloudOther, container: site, bytes: event.Unset}},

		// Exchange
		{"Send with a size", rec(exBase, "Item", map[string]any{"Id": "x", "Subject": "Q1", "SizeInBytes": 73451, "InternetMessageId": "<m1@contoso.com>",
			"Attachments": "a.xlsx (48213b); b.csv (21004b)"}, "recipientList", []any{map[string]any{"Address": "jon@fabrikam.com", "Name": "Jon"}}),
			want{op: event.CloudMail, container: "megan.bowen@contoso.com", object: "Q1", objectID: "<m1@contoso.com>", bytes: 73451,
				recipients: event.List{"jon@fabrikam.com"}, ua: "Client=OWA", src: "198.51.100.9"}},
		{"Send: attachments' sizes without the message's", rec(exBase, "Item", map[string]any{"Id": "x", "Subject": "Q1",
			"Attachments": "a.xlsx (48213b); notes (v2).txt (1022b)"}),
			want{op: event.CloudMail, container: "megan.bowen@contoso.com", object: "Q1", bytes: 49235}},
		{"Send without sizes", rec(exBase, "Item", map[string]any{"Id": "x", "Subject": "hi", "Attachments": "a.xlsx; b.csv"}),
			want{op: event.CloudMail, container: "megan.bowen@contoso.com", object: "hi", bytes: event.Unset}},
		{"SendAs: the mailbox sent as", rec(exBase, "Operation", "SendAs", "SendAsUserSmtp", "ceo@contoso.com", "Item", map[string]any{"Subject": "wire"}),
			want{op: event.CloudMail, container: "ceo@contoso.com", object: "wire", bytes: event.Unset}},
		{"SendOnBehalf", rec(exBase, "Operation", "SendOnBehalf", "SendOnBehalfOfUserSmtp", "ceo@contoso.com", "Item", map[string]any{"Subject": "wire"}),
			want{op: event.CloudMail, container: "ceo@contoso.com", object: "wire", bytes: event.Unset}},
		{"MailItemsAccessed Sync", rec(exBase, "Operation", "MailItemsAccessed", "RecordType", 50, "OperationCount", 1,
			"OperationProperties", []any{map[string]any{"Name": "MailAccessType", "Value": "Sync"}, map[string]any{"Name": "IsThrottled", "Value": "False"}},
			"Folders", []any{map[string]any{"Id": "f1", "Path": "\\Inbox"}}),
			want{op: event.CloudDownload, target: "Sync", container: "megan.bowen@contoso.com", object: "\\Inbox", bytes: event.Unset}},
		{"MailItemsAccessed Bind, counted by OperationCount", rec(exBase, "Operation", "MailItemsAccessed", "OperationCount", 5,
			"OperationProperties", []any{map[string]any{"Name": "MailAccessType", "Value": "Bind"}},
			"Folders", []any{map[string]any{"Path": "\\Inbox", "FolderItems": []any{map[string]any{"Id": "1", "SizeInBytes": 100}, map[string]any{"Id": "2", "SizeInBytes": 50}}},
				map[string]any{"Path": "\\Archive", "FolderItems": []any{map[string]any{"Id": "3"}}}}),
			want{op: event.CloudDownload, target: "Bind", container: "megan.bowen@contoso.com", object: "\\Inbox; \\Archive", bytes: 150, count: 5}},
		{"MailItemsAccessed Bind, counted by its items", rec(exBase, "Operation", "MailItemsAccessed",
			"OperationProperties", []any{map[string]any{"Name": "MailAccessType", "Value": "Bind"}},
			"Folders", []any{map[string]any{"Path": "\\Inbox", "FolderItems": []any{map[string]any{"Id": "1"}, map[string]any{"Id": "2"}}}}),
			want{op: event.CloudDownload, target: "Bind", container: "megan.bowen@contoso.com", object: "\\Inbox", bytes: event.Unset, count: 2}},
		{"aggregated record: OperationCount", rec(exBase, "Operation", "SoftDelete", "OperationCount", 12),
			want{op: event.CloudOther, bytes: event.Unset, count: 12}},

		// forwarding
		{"New-InboxRule forwarding outside", rec(adminBase, "Parameters", []any{map[string]any{"Name": "Name", "Value": "Fwd"},
			map[string]any{"Name": "ForwardTo", "Value": "collector@fabrikam.net"}}),
			want{op: event.CloudShare, scope: event.ScopeExternal, target: "collector@fabrikam.net", container: "megan.bowen", object: "megan.bowen\\Fwd",
				bytes: event.Unset, userType: "Admin"}},
		{"New-InboxRule redirecting inside", rec(adminBase, "Parameters", []any{map[string]any{"Name": "RedirectTo", "Value": "\"Alex W\" [SMTP:alex@contoso.com]"}}),
			want{op: event.CloudShare, scope: event.ScopeInternal, target: "alex@contoso.com", container: "megan.bowen", object: "megan.bowen\\Fwd", bytes: event.Unset}},
		{"New-InboxRule to a domain the record does not show", rec(adminBase, "UserId", "admin@contoso.onmicrosoft.com",
			"Parameters", []any{map[string]any{"Name": "ForwardTo", "Value": "alex@contoso.com"}}),
			want{op: event.CloudShare, scope: event.ScopeExternal, target: "alex@contoso.com", container: "megan.bowen", object: "megan.bowen\\Fwd", bytes: event.Unset}},
		{"New-InboxRule to the tenant's domain", rec(adminBase, "Parameters", []any{map[string]any{"Name": "ForwardTo", "Value": "alex@contoso.onmicrosoft.com"}}),
			want{op: event.CloudShare, scope: event.ScopeInternal, target: "alex@contoso.onmicrosoft.com", container: "megan.bowen", object: "megan.bowen\\Fwd", bytes: event.Unset}},
		{"New-InboxRule, no domain of the organisation known", rec(adminBase, "UserId", "NAMPR01A001\\admin", "OrganizationName", nil,
			"Parameters", []any{map[string]any{"Name": "ForwardTo", "Value": "alex@fabrikam.com"}}),
			want{op: event.CloudShare, target: "alex@fabrikam.com", container: "megan.bowen", object: "megan.bowen\\Fwd", bytes: event.Unset}},
		{"Set-InboxRule forwarding as attachment to two", rec(adminBase, "Operation", "Set-InboxRule", "Parameters", []any{
			map[string]any{"Name": "ForwardAsAttachmentTo", "Value": "alex@contoso.com;drop@fabrikam.net"}}),
			want{op: event.CloudShare, scope: event.ScopeExternal, target: "alex@contoso.com;drop@fabrikam.net", container: "megan.bowen", object: "megan.bowen\\Fwd", bytes: event.Unset}},
		{"New-InboxRule without forwarding", rec(adminBase, "Parameters", []any{map[string]any{"Name": "MoveToFolder", "Value": "Archive"}}),
			want{op: event.CloudOther, object: "megan.bowen\\Fwd", bytes: event.Unset}},
		{"Set-Mailbox ForwardingSmtpAddress outside", rec(adminBase, "Operation", "Set-Mailbox", "ObjectId", "megan.bowen@contoso.com",
			"Parameters", []any{map[string]any{"Name": "ForwardingSmtpAddress", "Value": "smtp:collector@fabrikam.net"}, map[string]any{"Name": "DeliverToMailboxAndForward", "Value": "False"}}),
			want{op: event.CloudShare, scope: event.ScopeExternal, target: "collector@fabrikam.net", container: "megan.bowen@contoso.com", object: "megan.bowen@contoso.com", bytes: event.Unset}},
		{"Set-Mailbox forwarding removed", rec(adminBase, "Operation", "Set-Mailbox", "ObjectId", "megan.bowen",
			"Parameters", []any{map[string]any{"Name": "ForwardingSmtpAddress", "Value": "$null"}}),
			want{op: event.CloudOther, object: "megan.bowen", bytes: event.Unset}},
		{"Set-Mailbox ForwardingAddress: a recipient by name", rec(adminBase, "Operation", "Set-Mailbox", "ObjectId", "megan.bowen",
			"Parameters", []any{map[string]any{"Name": "ForwardingAddress", "Value": "Outside Contact"}}),
			want{op: event.CloudShare, target: "Outside Contact", container: "megan.bowen", object: "megan.bowen", bytes: event.Unset}},
		{"New-TransportRule blind copy outside", rec(adminBase, "Operation", "New-TransportRule", "ObjectId", "Copy all",
			"Parameters", []any{map[string]any{"Name": "BlindCopyTo", "Value": "archive@fabrikam.net"}}),
			want{op: event.CloudShare, scope: event.ScopeExternal, target: "archive@fabrikam.net", object: "Copy all", bytes: event.Unset}},

		// sign-ins, errors, addresses, user types
		{"UserLoggedIn", rec(aadBase),
			want{op: event.CloudOther, bytes: event.Unset, src: "203.0.113.25", ua: "Mozilla/5.0 (X11)"}},
		{"UserLoginFailed: LogonError", rec(aadBase, "Operation", "UserLoginFailed", "LogonError", "InvalidUserNameOrPassword", "ErrorCode", "50126"),
			want{op: event.CloudOther, bytes: event.Unset, err: "InvalidUserNameOrPassword"}},
		{"UserLoginFailed: ErrorCode only", rec(aadBase, "Operation", "UserLoginFailed", "ErrorCode", 50126),
			want{op: event.CloudOther, bytes: event.Unset, err: "50126"}},
		{"ResultStatus Failed", rec(spBase, "Operation", "FileDeleted", "ResultStatus", "Failed"),
			want{op: event.CloudOther, container: site, object: file, bytes: event.Unset, err: "Failed"}},
		{"ResultStatus False (Exchange admin)", rec(adminBase, "Operation", "Set-CASMailbox", "ResultStatus", "False"),
			want{op: event.CloudOther, object: "megan.bowen\\Fwd", bytes: event.Unset, err: "False"}},
		{"ResultStatus PartiallySucceeded", rec(spBase, "Operation", "FileDeleted", "ResultStatus", "PartiallySucceeded"),
			want{op: event.CloudOther, container: site, object: file, bytes: event.Unset}},
		{"IPv4 with a port", rec(aadBase, "ClientIP", "203.0.113.5:51234"), want{bytes: event.Unset, src: "203.0.113.5"}},
		{"IPv6 in brackets with a port", rec(aadBase, "ClientIP", "[2001:db8::1]:443"), want{bytes: event.Unset, src: "2001:db8::1"}},
		{"IPv6 in brackets", rec(aadBase, "ClientIP", "[2001:db8::1]"), want{bytes: event.Unset, src: "2001:db8::1"}},
		{"IPv4-mapped", rec(aadBase, "ClientIP", "::ffff:192.0.2.1"), want{bytes: event.Unset, src: "192.0.2.1"}},
		{"not an address", rec(aadBase, "ClientIP", "Microsoft internal"), want{bytes: event.Unset, srcName: "Microsoft internal"}},
		{"ClientIP null: ActorIpAddress", rec(aadBase, "ClientIP", nil, "ActorIpAddress", "198.51.100.3"), want{bytes: event.Unset, src: "198.51.100.3"}},
		{"ClientIP empty: ClientIPAddress", rec(exBase, "Operation", "Update", "ClientIP", "", "ClientIPAddress", "198.51.100.4"), want{bytes: event.Unset, src: "198.51.100.4"}},
		{"UserType number", rec(aadBase, "UserType", 5), want{bytes: event.Unset, userType: "Application"}},
		{"UserType 10", rec(aadBase, "UserType", 10), want{bytes: event.Unset, userType: "Guest"}},
		{"UserType unknown number", rec(aadBase, "UserType", 42), want{bytes: event.Unset, userType: "42"}},
		{"UserType as a name", rec(aadBase, "UserType", "ServicePrincipal"), want{bytes: event.Unset, userType: "ServicePrincipal"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			check(t, c.name, mapLine(t, c.line), c.w)
		})
	}
}

// The common fields: time, id, provider, service, name, user, account.
func TestMappingCommon(t *testing.T) {
	e := mapLine(t, rec(spBase))
	if e.TS.String() != "2024-03-04T09:15:02.000000Z" || e.UID != "id-1" || e.Provider != "m365" || e.Service != "SharePoint" ||
		e.Name != "FileUploaded" || e.User != "megan.bowen@contoso.com" || e.Account != "org-1" || e.Src != netip.MustParseAddr("203.0.113.5") ||
		e.Ref.Line != 1 {
		t.Errorf("%+v", e)
	}
	for in, out := range map[string]string{
		"2024-03-04T09:15:02.1234567":  "2024-03-04T09:15:02.123456Z",
		"2024-03-04T09:15:02Z":         "2024-03-04T09:15:02.000000Z",
		"2024-03-04T10:15:02+01:00":    "2024-03-04T09:15:02.000000Z",
		"2024-03-04T09:15:02.0000000Z": "2024-03-04T09:15:02.000000Z",
	} {
		if e := mapLine(t, rec(spBase, "CreationTime", in)); e.TS.String() != out {
			t.Errorf("CreationTime %q: %s, want %s", in, e.TS, out)
		}
	}
}

// A search result's own fields stand in for what its AuditData lacks.
func TestSearchResultFallbacks(t *testing.T) {
	inner := rec(spBase, "CreationTime", nil, "UserId", nil, "Id", nil, "Operation", nil)
	for _, date := range []string{"/Date(1709543702000)/", "3/4/2024 9:15:02 AM", "2024-03-04T09:15:02.0000000Z ", "2024-03-04T09:15:02"} {
		outer, _ := json.Marshal(map[string]any{"RecordType": "SharePointFileOperation", "CreationDate": date, "UserIds": "megan.bowen@contoso.com",
			"Operations": "FileUploaded", "AuditData": inner, "ResultIndex": 1, "ResultCount": 1, "Identity": "id-9"})
		e := mapLine(t, string(outer))
		if e.TS.String() != "2024-03-04T09:15:02.000000Z" || e.User != "megan.bowen@contoso.com" || e.Name != "FileUploaded" ||
			e.UID != "id-9" || e.Op != event.CloudUpload || e.Container == "" {
			t.Errorf("CreationDate %q: %+v", date, e)
		}
	}
	// the record's own fields win
	outer, _ := json.Marshal(map[string]any{"CreationDate": "1/1/2020 1:00:00 AM", "UserIds": "other@contoso.com", "Operations": "Other",
		"AuditData": rec(spBase)})
	if e := mapLine(t, string(outer)); e.TS.String() != "2024-03-04T09:15:02.000000Z" || e.User != "megan.bowen@contoso.com" || e.Name != "FileUploaded" {
		t.Errorf("%+v", e)
	}
	// AuditData already decoded (an object, not a string)
	outer, _ = json.Marshal(map[string]any{"CreationDate": "1/1/2020 1:00:00 AM", "UserIds": "x", "Operations": "y",
		"AuditData": json.RawMessage(rec(spBase))})
	if e := mapLine(t, string(outer)); e.Name != "FileUploaded" {
		t.Errorf("%+v", e)
	}
}

func TestAttachments(t *testing.T) {
	for in, w := range map[string][3]int64{
		"":                                {0, 0, 0},
		"a.pdf (10b)":                     {1, 10, 1},
		"a.pdf (10b); b (c).png (5b)":     {2, 15, 1},
		"a.pdf; b.png":                    {2, 0, 0},
		"report;2024.xlsx (7b); x (1b); ": {2, 8, 1},
	} {
		n, sum, sized := attachments(in)
		s := int64(0)
		if sized {
			s = 1
		}
		if [3]int64{n, sum, s} != w {
			t.Errorf("%q: %d %d %v, want %v", in, n, sum, sized, w)
		}
	}
}

func TestInOrg(t *testing.T) {
	org := []string{"contoso.com", "contoso.onmicrosoft.com"}
	for d, w := range map[string]int{"contoso.com": 1, "eu.contoso.com": 1, "contoso.co.uk": 0, "contoso.xyz": 0, "fabrikam.com": 0, "": -1,
		"notcontoso.com": 0, "contoso.com.evil.example": 0, "evil.onmicrosoft.com": 0} {
		if got := inOrg(d, org); got != w {
			t.Errorf("%q: %d, want %d", d, got, w)
		}
	}
	if inOrg("fabrikam.com", nil) != -1 {
		t.Error("no organisation known")
	}
	if strings.Contains(domainOf("app@sharepoint"), "sharepoint") {
		t.Error("a domain without a dot")
	}
}
