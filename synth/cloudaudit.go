package synth

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// M365 is one Microsoft 365 unified audit log record, with the fields of the Management
// Activity API's common schema, SharePoint/OneDrive file and sharing schema and Exchange
// mailbox schema that sluice reads.
type M365 struct {
	Time      time.Time
	Operation string
	Workload  string // SharePoint, OneDrive, Exchange
	User      string // UserId
	ClientIP  string
	Agent     string // UserAgent (SharePoint), ClientInfoString (Exchange)
	// File operations
	Site, Folder, File string // SiteUrl, SourceRelativeUrl, SourceFileName
	Size               int64  // FileSizeBytes; negative: not logged
	// Sharing
	Target, TargetType string // TargetUserOrGroupName, TargetUserOrGroupType (Member, Guest ...)
	// Exchange
	Subject    string
	Items      int // MailItemsAccessed: items in the folder; Send: 0
	Attachment string
	Recipients []string // recipientList of a message sent
}

// record renders the record as the Management Activity API returns it.
func (m M365) record(org string) map[string]any {
	id := hexOf(fmt.Sprint(m.Time.UnixNano(), m.Operation, m.User, m.File, m.Subject), 32)
	r := map[string]any{
		"CreationTime":   m.Time.UTC().Format("2006-01-02T15:04:05"),
		"Id":             fmt.Sprintf("%s-%s-%s-%s-%s", id[:8], id[8:12], id[12:16], id[16:20], id[20:32]),
		"Operation":      m.Operation,
		"OrganizationId": org,
		"UserKey":        "i:0h.f|membership|" + strings.ToLower(idOf(m.User, 16)) + "@live.com",
		"UserType":       0,
		"Version":        1,
		"Workload":       m.Workload,
		"ClientIP":       m.ClientIP,
		"UserId":         m.User,
	}
	switch m.Workload {
	case "Exchange":
		r["RecordType"] = 2
		r["ResultStatus"] = "Succeeded"
		r["ClientInfoString"] = m.Agent
		r["MailboxOwnerUPN"] = m.User
		r["LogonType"] = 0
		if m.Operation == "MailItemsAccessed" {
			r["RecordType"] = 50
			r["OperationCount"] = m.Items
			r["OperationProperties"] = []map[string]any{{"Name": "MailAccessType", "Value": "Sync"}, {"Name": "IsThrottled", "Value": "False"}}
			r["Folders"] = []map[string]any{{"Id": "LgAAAAB" + idOf(m.Folder, 20), "Path": m.Folder}}
		} else {
			item := map[string]any{"Id": "RgAAAAB" + idOf(m.Subject, 24), "Subject": m.Subject,
				"ParentFolder": map[string]any{"Id": "LgAAAAB" + idOf("sent", 20), "Path": `\Sent Items`}}
			if m.Size >= 0 {
				item["SizeInBytes"] = m.Size
			}
			if m.Attachment != "" {
				item["Attachments"] = m.Attachment
			}
			r["Item"] = item
			if len(m.Recipients) > 0 {
				var rl []map[string]any
				for _, a := range m.Recipients {
					rl = append(rl, map[string]any{"Address": a})
				}
				r["recipientList"] = rl
			}
		}
	default:
		r["RecordType"] = 6
		r["EventSource"] = "SharePoint"
		r["ItemType"] = "File"
		r["UserAgent"] = m.Agent
		r["SiteUrl"] = m.Site
		r["SourceRelativeUrl"] = m.Folder
		r["SourceFileName"] = m.File
		if i := strings.LastIndexByte(m.File, '.'); i >= 0 {
			r["SourceFileExtension"] = m.File[i+1:]
		}
		r["ObjectId"] = strings.TrimSuffix(m.Site, "/") + "/" + m.Folder + "/" + m.File
		if m.Size >= 0 {
			r["FileSizeBytes"] = m.Size
		}
		if m.Target != "" {
			r["RecordType"] = 14
			r["TargetUserOrGroupName"] = m.Target
			r["TargetUserOrGroupType"] = m.TargetType
			r["EventData"] = "<Type>View</Type><MembersCanShare>Disabled</MembersCanShare>"
		}
		if strings.HasPrefix(m.Operation, "AnonymousLink") {
			r["RecordType"] = 14
			r["EventData"] = "<Type>View</Type>"
		}
	}
	return r
}

// WriteM365 writes records as one Management Activity API content blob: a JSON array.
func WriteM365(w io.Writer, org string, recs []M365) error {
	out := make([]map[string]any, len(recs))
	for i, m := range recs {
		out[i] = m.record(org)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Activity is one Google Workspace reports activity with one event.
type Activity struct {
	Time        time.Time
	App         string // applicationName: drive, gmail, admin, login
	Actor       string // actor.email; "" for an anonymous or outside viewer
	IP          string
	Type, Name  string
	Params      map[string]any // event parameters by name: string, bool, int64 or []string
	OwnerDomain string
}

func (a Activity) render(customer string, n int) map[string]any {
	params := parameters(a.Params)
	actor := map[string]any{"callerType": "USER"}
	if a.Actor != "" {
		actor["email"] = a.Actor
		actor["profileId"] = fmt.Sprint(100000000000000000 + int64(len(a.Actor))*7919 + int64(a.Actor[0]))
	}
	r := map[string]any{
		"kind": "admin#reports#activity",
		"id": map[string]any{"time": a.Time.UTC().Format("2006-01-02T15:04:05.000Z"), "uniqueQualifier": fmt.Sprint(-4600000000000000000 + int64(n)*104729),
			"applicationName": a.App, "customerId": customer},
		"etag":   `"` + idOf(fmt.Sprint(a.Time.UnixNano(), a.Name, n), 27) + `"`,
		"actor":  actor,
		"events": []map[string]any{{"type": a.Type, "name": a.Name, "parameters": params}},
	}
	if a.IP != "" {
		r["ipAddress"] = a.IP
	}
	if a.OwnerDomain != "" {
		r["ownerDomain"] = a.OwnerDomain
	}
	return r
}

// parameters renders event parameters as the Reports API writes them: value, intValue,
// boolValue, multiValue, and nested ones (a map: messageValue; a list of maps:
// multiMessageValue), in name order.
func parameters(ps map[string]any) []map[string]any {
	var out []map[string]any
	for _, k := range slices.Sorted(maps.Keys(ps)) {
		p := map[string]any{"name": k}
		switch v := ps[k].(type) {
		case bool:
			p["boolValue"] = v
		case int64:
			p["intValue"] = fmt.Sprint(v)
		case []string:
			p["multiValue"] = v
		case map[string]any:
			p["messageValue"] = map[string]any{"parameter": parameters(v)}
		case []map[string]any:
			var ms []map[string]any
			for _, m := range v {
				ms = append(ms, map[string]any{"parameter": parameters(m)})
			}
			p["multiMessageValue"] = ms
		default:
			p["value"] = fmt.Sprint(v)
		}
		out = append(out, p)
	}
	return out
}

// GmailSent is a Gmail log event of a message sent (Reports API application gmail, event
// delivery, mail_event_type 1) with its subject, payload size and recipients.
func GmailSent(t time.Time, from, ip, subject string, size int64, to ...string) Activity {
	var dst []map[string]any
	for _, a := range to {
		dst = append(dst, map[string]any{"address": a})
	}
	return Activity{Time: t, App: "gmail", Actor: from, IP: ip, Type: "delivery_type", Name: "delivery", OwnerDomain: from[strings.IndexByte(from, '@')+1:],
		Params: map[string]any{
			"event_info": map[string]any{"mail_event_type": int64(1), "success": true},
			"message_info": map[string]any{"subject": subject, "payload_size": size, "rfc2822_message_id": "<" + hexOf(fmt.Sprint(t.UnixNano(), subject, to), 16) + "@mail.gmail.com>",
				"source": map[string]any{"address": from}, "destination": dst},
		}}
}

// WriteActivities writes activities as one Reports API activities.list response.
func WriteActivities(w io.Writer, customer string, acts []Activity) error {
	items := make([]map[string]any, len(acts))
	for i, a := range acts {
		items[i] = a.render(customer, i)
	}
	b, err := json.MarshalIndent(map[string]any{"kind": "admin#reports#activities", "etag": `"` + idOf(customer, 27) + `"`, "items": items}, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
