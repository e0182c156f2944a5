package m365

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/sluice-hunt/sluice/event"
)

// mapOperation sets the operation, scope and target of an event from its record's Operation,
// and what each kind of operation adds (see the package doc's tables).
func mapOperation(r *record, e *event.Cloud) {
	switch e.Name {
	case "FileUploaded", "FileSyncUploadedFull", "FileSyncUploadedPartial":
		e.Op = event.CloudUpload
	case "FileDownloaded", "FileSyncDownloadedFull", "FileSyncDownloadedPartial":
		e.Op = event.CloudDownload
	case "AnonymousLinkUsed":
		e.Op, e.Scope = event.CloudDownload, event.ScopePublic
		if e.User == "" {
			e.User = "anonymous"
		}
	case "AnonymousLinkCreated":
		e.Op, e.Scope = event.CloudShare, event.ScopePublic
	case "CompanyLinkCreated":
		e.Op, e.Scope = event.CloudShare, event.ScopeInternal
	case "SharingInvitationCreated":
		// "shared a resource ... with a user who isn't in your organization's directory"
		e.Op, e.Scope, e.Target = event.CloudShare, event.ScopeExternal, r.TargetUserOrGroupName
	case "SharingSet", "AddedToSecureLink", "SecureLinkCreated", "AccessInvitationCreated":
		e.Op, e.Target = event.CloudShare, r.TargetUserOrGroupName
		e.Scope = shareScope(r.TargetUserOrGroupName, r.TargetUserOrGroupType, orgDomains(r, e))
	case "AddedToGroup":
		// a member added to a site's group is routine; a guest or an outsider is a share
		if s := shareScope(r.TargetUserOrGroupName, r.TargetUserOrGroupType, orgDomains(r, e)); s == event.ScopeExternal || s == event.ScopePublic {
			e.Op, e.Scope, e.Target = event.CloudShare, s, r.TargetUserOrGroupName
		}
	case "SharingPolicyChanged":
		if name := opensToAnyone(r.ModifiedProperties); name != "" {
			e.Op, e.Scope, e.Target = event.CloudShare, event.ScopePublic, name
		}
	case "Send", "SendAs", "SendOnBehalf":
		mapSend(r, e)
	case "MailItemsAccessed":
		mapMailAccess(r, e)
	case "New-InboxRule", "Set-InboxRule", "Set-Mailbox", "New-TransportRule", "Set-TransportRule":
		mapForwarding(r, e)
	}
}

// mapSend fills a message sent: the mailbox, subject, message id, size and recipients.
func mapSend(r *record, e *event.Cloud) {
	e.Op = event.CloudMail
	e.Container = r.MailboxOwnerUPN
	switch {
	case e.Name == "SendAs" && r.SendAsUserSmtp != "":
		e.Container = r.SendAsUserSmtp
	case e.Name == "SendOnBehalf" && r.SendOnBehalfOfUserSmtp != "":
		e.Container = r.SendOnBehalfOfUserSmtp
	}
	if it := r.Item; it != nil {
		if it.Subject != "" {
			e.Object = it.Subject
		}
		e.ObjectID = it.InternetMessageId
		if n, ok := rawInt(it.SizeInBytes); ok && n >= 0 {
			e.Bytes = n
		} else if _, sum, sized := attachments(it.Attachments); sized {
			e.Bytes = sum
		}
	}
	for _, a := range r.RecipientList {
		if a.Address != "" {
			e.Recipients = append(e.Recipients, a.Address)
		}
	}
}

// attachSize matches the size after each name in ExchangeItem.Attachments: "a.pdf (2048b)".
var attachSize = regexp.MustCompile(`\((\d{1,18})b\)`)

// attachments reads ExchangeItem.Attachments, "name (size b); name (size b)": how many files
// it names, the sum of their sizes, and whether any size was given.
func attachments(s string) (n, sum int64, sized bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, 0, false
	}
	for _, m := range attachSize.FindAllStringSubmatch(s, -1) {
		n++
		var v int64
		for _, c := range m[1] {
			v = v*10 + int64(c-'0')
		}
		sum += v
		sized = true
	}
	if n == 0 {
		for p := range strings.SplitSeq(s, ";") {
			if strings.TrimSpace(p) != "" {
				n++
			}
		}
	}
	return n, sum, sized
}

// mapMailAccess fills MailItemsAccessed: the mailbox, the folders, the items' count and sizes
// and the access type (Bind: items read one by one; Sync: a folder downloaded to a client).
func mapMailAccess(r *record, e *event.Cloud) {
	e.Op = event.CloudDownload
	e.Container = r.MailboxOwnerUPN
	var paths []string
	var items, sum int64
	sized := false
	for i := range r.Folders {
		f := &r.Folders[i]
		if f.Path != "" {
			paths = append(paths, f.Path)
		}
		items += int64(len(f.FolderItems))
		for j := range f.FolderItems {
			if n, ok := rawInt(f.FolderItems[j].SizeInBytes); ok && n >= 0 {
				sum += n
				sized = true
			}
		}
	}
	if len(paths) > 0 {
		e.Object = strings.Join(paths, "; ")
	}
	if n, ok := rawInt(r.OperationCount); (!ok || n <= 0) && items > 0 {
		e.Count = items
	}
	if sized {
		e.Bytes = sum
	}
	e.Target = nvString(r.OperationProperties, "MailAccessType")
}

// forwardParams are the cmdlet parameters that send a mailbox's mail elsewhere.
var forwardParams = map[string][]string{
	"New-InboxRule":     {"ForwardTo", "ForwardAsAttachmentTo", "RedirectTo"},
	"Set-InboxRule":     {"ForwardTo", "ForwardAsAttachmentTo", "RedirectTo"},
	"Set-Mailbox":       {"ForwardingSmtpAddress", "ForwardingAddress"},
	"New-TransportRule": {"BlindCopyTo", "RedirectMessageTo", "CopyTo", "AddToRecipients"},
	"Set-TransportRule": {"BlindCopyTo", "RedirectMessageTo", "CopyTo", "AddToRecipients"},
}

// emailAddr finds e-mail addresses in a parameter's value: "smtp:a@b.example",
// "\"Name\" [SMTP:a@b.example]", "a@b.example;c@d.example".
var emailAddr = regexp.MustCompile(`[A-Za-z0-9._%+'!#$&*=?^{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+`)

// mapForwarding makes a cmdlet that forwards, redirects or copies mail elsewhere a share: the
// addresses are the target, the scope external when one lies outside the organisation.
func mapForwarding(r *record, e *event.Cloud) {
	var addrs, named []string
	for _, p := range r.Parameters {
		if !hasFold(forwardParams[e.Name], p.Name) {
			continue
		}
		v := strings.TrimSpace(rawString(p.Value))
		if v == "" || strings.EqualFold(v, "$null") || strings.EqualFold(v, "null") {
			continue // forwarding turned off
		}
		if found := emailAddr.FindAllString(v, -1); len(found) > 0 {
			addrs = append(addrs, found...)
		} else {
			named = append(named, v) // a recipient of the directory, by name or alias
		}
	}
	if len(addrs)+len(named) == 0 {
		return
	}
	e.Op = event.CloudShare
	e.Container = r.MailboxOwnerUPN
	if e.Container == "" {
		// the mailbox: an inbox rule's ObjectId is "mailbox\rule", Set-Mailbox's the mailbox
		switch e.Name {
		case "New-InboxRule", "Set-InboxRule":
			if i := strings.LastIndexByte(r.ObjectId, '\\'); i > 0 {
				e.Container = r.ObjectId[:i]
			}
		case "Set-Mailbox":
			e.Container = r.ObjectId
		}
	}
	e.Target = strings.Join(append(addrs, named...), ";")
	org := orgDomains(r, e)
	inside := len(org) > 0
	for _, a := range addrs {
		switch inOrg(domainOf(a), org) {
		case 0:
			e.Scope = event.ScopeExternal
			return
		case -1:
			inside = false
		}
	}
	if inside && len(named) == 0 {
		e.Scope = event.ScopeInternal
	}
}

func hasFold(l []string, s string) bool {
	for _, v := range l {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// shareScope tells who a SharePoint share reaches from its target's name and type (the
// SharePoint Sharing schema's TargetUserOrGroupName and TargetUserOrGroupType).
func shareScope(name, typ string, org []string) string {
	lname, ltyp := strings.ToLower(name), strings.ToLower(typ)
	switch {
	case ltyp == "guest" || ltyp == "partner" || strings.Contains(lname, "#ext#"):
		return event.ScopeExternal
	case strings.HasPrefix(lname, "sharinglinks."):
		// the group SharePoint makes for a sharing link: SharingLinks.<id>.<kind>.<id>
		switch {
		case strings.Contains(lname, ".anonymous"):
			return event.ScopePublic
		case strings.Contains(lname, ".organization"):
			return event.ScopeInternal
		}
		return ""
	case ltyp == "member":
		return event.ScopeInternal
	case ltyp == "sharepointgroup" || ltyp == "securitygroup" || ltyp == "group":
		return event.ScopeInternal
	}
	if strings.Contains(name, "@") {
		switch inOrg(domainOf(name), org) {
		case 1:
			return event.ScopeInternal
		case 0:
			return event.ScopeExternal
		}
	}
	return ""
}

// opensToAnyone reports the sharing policy property a SharingPolicyChanged record sets to allow
// Anyone (anonymous) links: a new value naming SharePoint's ExternalUserAndGuestSharing
// capability, or Anyone or anonymous access. "" when none does.
func opensToAnyone(raw json.RawMessage) string {
	var props []modifiedProperty
	if unmarshal(raw, &props) != nil {
		return ""
	}
	for _, p := range props {
		v := strings.ToLower(rawString(p.NewValue))
		if strings.Contains(v, "externaluserandguestsharing") || strings.Contains(v, "anyone") || strings.Contains(v, "anonymous") {
			if p.Name != "" {
				return p.Name
			}
			return "Anyone"
		}
	}
	return ""
}

// domainOf returns the lower-case domain of an address ("" when it has none with a dot).
func domainOf(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	d := strings.ToLower(strings.Trim(addr[i+1:], " >].;,"))
	if !strings.Contains(d, ".") {
		return "" // app@sharepoint and the like
	}
	return d
}

// orgDomains returns the domains of the organisation that a record shows: the acting user's,
// the mailbox owner's, the object's (an address) and the tenant's (OrganizationName).
func orgDomains(r *record, e *event.Cloud) []string {
	var out []string
	for _, s := range [...]string{e.User, r.MailboxOwnerUPN, r.ObjectId} {
		if d := domainOf(s); d != "" && !hasFold(out, d) {
			out = append(out, d)
		}
	}
	if d := strings.ToLower(strings.TrimSpace(r.OrganizationName)); strings.Contains(d, ".") && !hasFold(out, d) {
		out = append(out, d)
	}
	return out
}

// inOrg tells whether a domain is the organisation's: 1 yes, 0 no, -1 unknown (no domain, or no
// domain of the organisation known). A domain is the organisation's when it is one of the
// domains the record shows, a subdomain of one or a parent of one. Nothing else is guessed: a
// domain that merely looks like the tenant's name ("contoso.xyz") is outside.
func inOrg(d string, org []string) int {
	if d == "" || len(org) == 0 {
		return -1
	}
	for _, o := range org {
		if d == o || strings.HasSuffix(d, "."+o) || strings.HasSuffix(o, "."+d) {
			return 1
		}
	}
	return 0
}
