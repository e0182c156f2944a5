package gworkspace

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/sluice-hunt/sluice/event"
)

// mapEvent fills e from the activity and one of its events; p.kvs holds the event's flattened
// parameters. The package doc lists the rules.
func (p *parser) mapEvent(a *activity, ev *evt, e *event.Cloud) {
	e.Provider = "google"
	e.Service = a.ID.ApplicationName
	e.Name = ev.Name
	e.Account = a.ID.CustomerID
	e.UserType = a.Actor.CallerType
	switch {
	case a.Actor.Email != "":
		e.User = a.Actor.Email
	case a.Actor.CallerType == "KEY" && a.Actor.Key != "":
		e.User = a.Actor.Key
	case a.Actor.ProfileID.s != "":
		e.User = a.Actor.ProfileID.s
	default:
		e.User = a.Actor.Key
	}
	e.AccessKey = a.Actor.Key
	if ip := strings.TrimSpace(a.IPAddress); ip != "" {
		if addr, err := netip.ParseAddr(ip); err == nil {
			e.Src = addr.Unmap()
		} else {
			e.SrcName = ip
		}
	} else {
		e.SrcName = a.Actor.ApplicationInfo.ApplicationName
	}
	e.Bytes = event.Unset
	e.Count = 1
	if s := ev.Status; s.EventStatus == "FAILED" || s.ErrorCode != "" {
		switch {
		case s.ErrorCode != "":
			e.Error = s.ErrorCode
		case s.ErrorMessage != "":
			e.Error = s.ErrorMessage
		default:
			e.Error = s.EventStatus
		}
	}
	e.Object = p.get("doc_title")
	e.ObjectID = p.get("doc_id")

	switch e.Service {
	case "drive":
		p.drive(a, e)
	case "gmail":
		p.gmail(e)
	case "admin":
		p.admin(a, e)
	case "token":
		p.token(e)
	}
	if e.Name == "email_forwarding_out_of_domain" {
		// login and user_accounts: a user forwards their mail to another domain
		e.Op = event.CloudShare
		e.Scope = event.ScopeExternal
		e.Target = p.get("email_forwarding_destination_address")
	}
}

// orgDomain is the domain a target is compared with: ownerDomain, else the actor's.
func orgDomain(a *activity) string {
	if a.OwnerDomain != "" {
		return a.OwnerDomain
	}
	if strings.Contains(a.Actor.Email, "@") {
		return domainOf(a.Actor.Email)
	}
	return ""
}

// scopeOf says whether a user, group or domain is outside the organisation: ScopeExternal when
// its domain is not org's, ScopeInternal when it is, "" when either is unknown.
func scopeOf(target, org string) string {
	d := domainOf(target)
	if d == "" || org == "" {
		return ""
	}
	if sameOrg(d, org) {
		return event.ScopeInternal
	}
	return event.ScopeExternal
}

// Drive visibility values (the "visibility", "old_visibility" and, for
// change_document_visibility, "new_value" parameters).
func visibilityScope(v string) (scope string, shared bool) {
	switch strings.ToLower(v) {
	case "people_with_link", "public_on_the_web", "anyone_with_link", "public":
		return event.ScopePublic, true
	case "people_within_domain_with_link", "public_in_the_domain":
		return event.ScopeInternal, true
	case "shared_externally":
		return event.ScopeExternal, true
	case "shared_internally":
		return event.ScopeInternal, true
	case "private", "none", "":
		return "", false
	}
	return "", true // unknown: shared, to whom is not known
}

// granted reports whether a new_value (a role list) grants access: any value but "none".
func (p *parser) granted() bool {
	vals := p.all("new_value")
	if vals == nil {
		return true // not said: an access change is a grant
	}
	for _, v := range vals {
		if v != "" && v != "none" {
			return true
		}
	}
	return false
}

func (p *parser) drive(a *activity, e *event.Cloud) {
	switch {
	case p.get("shared_drive_id") != "":
		e.Container = "shared drive " + p.get("shared_drive_id")
	case p.get("owner_shared_drive_id") != "":
		e.Container = "shared drive " + p.get("owner_shared_drive_id")
	case p.get("owner_is_shared_drive") == "true" && p.get("owner") != "":
		e.Container = "shared drive " + p.get("owner")
	default:
		e.Container = p.get("owner")
	}
	org := orgDomain(a)
	switch e.Name {
	case "upload":
		e.Op = event.CloudUpload
	case "download":
		e.Op = event.CloudDownload
	case "change_user_access":
		if !p.granted() {
			return // access removed
		}
		e.Op = event.CloudShare
		e.Target = p.get("target_user")
		td := p.get("target_domain")
		if e.Target == "" {
			e.Target = td
		}
		switch {
		case e.Target == "" && td == "":
		case strings.EqualFold(td, "all") && p.get("target_user") == "":
			e.Scope = event.ScopePublic
			e.Target = p.get("visibility")
		case strings.EqualFold(p.get("visibility_change"), "external"):
			e.Scope = event.ScopeExternal
		default:
			e.Scope = scopeOf(e.Target, org)
			if e.Scope == "" && strings.EqualFold(p.get("visibility_change"), "internal") {
				e.Scope = event.ScopeInternal
			}
		}
	case "change_document_visibility":
		vis := p.get("visibility")
		if p.has("new_value") {
			vis = p.get("new_value")
		}
		p.driveVisibility(e, vis, org)
	case "change_document_access_scope":
		if !p.granted() {
			return // the domain's or the link's access removed
		}
		p.driveVisibility(e, p.get("visibility"), org)
		if e.Op != event.CloudShare {
			// the role changed while the visibility did not say: a share to the domain named
			e.Op = event.CloudShare
			td := p.get("target_domain")
			if !strings.EqualFold(td, "all") {
				e.Target = td
				e.Scope = scopeOf(td, org)
			}
		}
	case "shared_drive_membership_change":
		added := p.get("added_role")
		if added == "" || added == "none" {
			return
		}
		e.Op = event.CloudShare
		e.Target = p.get("target")
		if e.Target == "" {
			e.Target = p.get("target_user")
		}
		e.Scope = scopeOf(e.Target, org)
	}
}

// driveVisibility maps a document's new visibility (and its target_domain) to a share.
func (p *parser) driveVisibility(e *event.Cloud, vis, org string) {
	scope, shared := visibilityScope(vis)
	if !shared {
		return // made private, or nothing said
	}
	e.Op = event.CloudShare
	td := p.get("target_domain")
	switch {
	case scope == event.ScopePublic:
		e.Scope = scope
		e.Target = vis
	case td != "" && !strings.EqualFold(td, "all"):
		e.Target = td
		if s := scopeOf(td, org); s == event.ScopeExternal {
			e.Scope = s
		} else if scope != "" {
			e.Scope = scope
		} else {
			e.Scope = s
		}
	default:
		e.Scope = scope
		e.Target = vis
	}
}

// Gmail's delivery event: event_info.mail_event_type says what happened.
func (p *parser) gmail(e *event.Cloud) {
	e.Object = p.get("message_info.subject")
	e.ObjectID = p.get("message_info.rfc2822_message_id")
	e.Container = mailbox(e.User)
	if n, err := strconv.ParseInt(p.get("message_info.payload_size"), 10, 64); err == nil && n >= 0 {
		e.Bytes = n
	}
	switch p.get("event_info.mail_event_type") {
	case "1", "11": // message sent; autoforwarded by a forwarding setting
		e.Op = event.CloudMail
	case "17": // attachments downloaded
		e.Op = event.CloudDownload
	}
	if e.Op != event.CloudMail {
		return
	}
	e.Recipients = event.List(p.all("message_info.destination.address"))
	if len(e.Recipients) == 0 {
		// "service::address" items, as the flattened field of Gmail's log schema writes them
		for _, d := range strings.Split(p.get("message_info.flattened_destinations"), ",") {
			if i := strings.LastIndex(d, "::"); i >= 0 {
				d = d[i+2:]
			}
			if d = strings.TrimSpace(d); d != "" {
				e.Recipients = append(e.Recipients, d)
			}
		}
	}
}

// mailbox is the mailbox an event of a user happens in: the user's address.
func mailbox(user string) string {
	if strings.Contains(user, "@") {
		return user
	}
	return ""
}

// Admin console events.
func (p *parser) admin(a *activity, e *event.Cloud) {
	org := orgDomain(a)
	if d := p.get("DOMAIN_NAME"); d != "" {
		org = d
	}
	e.Object = p.get("USER_EMAIL")
	e.Container = p.get("ORG_UNIT_NAME")
	if e.Container == "" {
		e.Container = p.get("GROUP_EMAIL")
	}
	switch e.Name {
	case "CREATE_EMAIL_MONITOR":
		// the destination user receives copies of the user's mail
		e.Op = event.CloudShare
		e.Target = p.get("EMAIL_MONITOR_DEST_EMAIL")
		e.Scope = scopeOf(e.Target, org)
		return
	case "TRANSFER_DOCUMENT_OWNERSHIP":
		e.Op = event.CloudShare
		e.Target = p.get("NEW_VALUE")
		e.Scope = scopeOf(e.Target, org)
		return
	}
	setting := p.get("SETTING_NAME")
	if setting == "" {
		return
	}
	if e.Object == "" {
		e.Object = setting
	}
	if strings.HasPrefix(e.Name, "DELETE_") || !p.has("NEW_VALUE") {
		return
	}
	v := p.get("NEW_VALUE")
	switch setting {
	case "SHARING_OUTSIDE_DOMAIN", "SHARING_INVITES_TO_NON_GOOGLE_ACCOUNTS":
		switch strings.ToUpper(v) {
		case "", "SHARING_NOT_ALLOWED", "SHARING_NOT_ALLOWED_BUT_MAY_RECEIVE_FILES", "INHERIT_FROM_PARENT",
			"NOT_ALLOWED", "DISALLOWED", "FALSE", "SHOW_ONLY_FREE_BUSY_INFORMATION":
			return
		}
		e.Op = event.CloudShare
		e.Scope = event.ScopeExternal
		e.Target = v
		e.Object = setting
	}
}

// OAuth token events: the app in Target; the API call's response size in Bytes.
func (p *parser) token(e *event.Cloud) {
	e.Target = p.get("app_name")
	e.ObjectID = p.get("client_id")
	e.Object = p.get("method_name")
	e.Container = p.get("api_name")
	if n, err := strconv.ParseInt(p.get("num_response_bytes"), 10, 64); err == nil && n >= 0 {
		e.Bytes = n
	}
}
