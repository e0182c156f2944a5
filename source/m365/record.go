package m365

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source/jsonl"
)

// nameValue is the schema's Common.NameValuePair (Parameters, OperationProperties,
// ExtendedProperties). Value is kept raw: it is a string in the records published, but a
// number or an object must not cost the record.
type nameValue struct {
	Name  string
	Value json.RawMessage
}

// modifiedProperty is the schema's Common.ModifiedProperty.
type modifiedProperty struct {
	Name     string
	NewValue json.RawMessage
	OldValue json.RawMessage
}

// exchangeItem is the ExchangeItem complex type.
type exchangeItem struct {
	Id                string
	Subject           string
	Attachments       string
	InternetMessageId string
	SizeInBytes       json.RawMessage
}

// folderItem is the ExchangeFolderItem complex type.
type folderItem struct {
	Id                string
	InternetMessageId string
	SizeInBytes       json.RawMessage
}

// folder is the ExchangeAggregatedFolder complex type (MailItemsAccessed's Folders), which
// has the ExchangeFolder's Path too.
type folder struct {
	Id          string
	Path        string
	FolderItems []folderItem
}

// emailAddress is the EmailAddress complex type (recipientList).
type emailAddress struct {
	Address string
	Name    string
}

// record is an audit record (AuditData) with the fields of the Office 365 Management Activity
// API schema that the reader maps. encoding/json matches keys without regard to case.
type record struct {
	// Common schema
	CreationTime   string
	Id             string
	Operation      string
	OrganizationId string
	RecordType     json.RawMessage
	UserType       json.RawMessage
	UserId         string
	Workload       string
	ResultStatus   string
	ObjectId       string
	ClientIP       string

	// SharePoint base, file operations and sharing schemas
	UserAgent             string
	SiteUrl               string
	SourceRelativeUrl     string
	SourceFileName        string
	FileSizeBytes         json.RawMessage // not in the schema; in published FileUploaded records
	TargetUserOrGroupName string
	TargetUserOrGroupType string
	// SharePoint: [{Name, NewValue, OldValue}]; Exchange mailbox: a list of names.
	ModifiedProperties json.RawMessage

	// Exchange mailbox schema
	ClientIPAddress        string
	ClientInfoString       string
	MailboxOwnerUPN        string
	OrganizationName       string
	Item                   *exchangeItem
	Folders                []folder
	OperationCount         json.RawMessage
	OperationProperties    []nameValue
	RecipientList          []emailAddress `json:"recipientList"`
	SendAsUserSmtp         string
	SendOnBehalfOfUserSmtp string

	// Exchange admin schema
	Parameters []nameValue

	// Microsoft Entra (Azure Active Directory) schemas
	ActorIpAddress     string
	ExtendedProperties []nameValue
	LogonError         string
	ErrorCode          json.RawMessage
}

// envelope is a line or document of input: an audit record itself (the Management Activity
// API), or a Search-UnifiedAuditLog result whose AuditData holds the record as a JSON string.
type envelope struct {
	record
	AuditData    json.RawMessage
	CreationDate json.RawMessage
	UserIds      string
	Operations   string
	Identity     string
	RecordId     string
}

// outer holds a search result's own fields, the fallbacks for what its AuditData lacks.
type outer struct {
	CreationDate string
	UserIds      string
	Operations   string
	Identity     string // the record id (Search-UnifiedAuditLog's Identity, the portal's RecordId)
}

// errNotRecord is a JSON object that is no audit record: no operation or no time.
var errNotRecord = errors.New("not a Microsoft 365 audit record (no Operation or no CreationTime)")

// unmarshal decodes a JSON object into v, passing over values of the wrong type (a number
// where a string was expected leaves the field empty; the rest is still read).
func unmarshal(b []byte, v any) error {
	err := json.Unmarshal(b, v)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if len(b) > 0 && b[0] == '{' {
			return nil
		}
		return fmt.Errorf("not a JSON object (%s)", te.Value)
	}
	return err
}

// decodeObject decodes one JSON object of input, an audit record or a search result, into r
// and the search result's own fields. A search result (its flat outer object) is scanned with
// the jsonl scanner, which unescapes AuditData in one pass; anything else, or a result the
// scanner does not take, is decoded with encoding/json.
func decodeObject(sc *jsonl.Scanner, b []byte, r *record, o *outer) error {
	if bytes.Contains(b, []byte(`"AuditData"`)) {
		if kvs, err := sc.Scan(b); err == nil {
			var ad []byte
			found := false
			*o = outer{}
			for i := range kvs {
				kv := &kvs[i]
				switch k := kv.Key; {
				case bytes.EqualFold(k, []byte("AuditData")):
					if kv.Kind == jsonl.Scalar {
						ad, found = kv.Val, true
					} else if kv.Kind == jsonl.Null {
						found = true
					}
				case bytes.EqualFold(k, []byte("CreationDate")):
					o.CreationDate = string(kv.First())
				case bytes.EqualFold(k, []byte("UserIds")):
					o.UserIds = string(kv.First())
				case bytes.EqualFold(k, []byte("Operations")):
					o.Operations = string(kv.First())
				case bytes.EqualFold(k, []byte("Identity")), bytes.EqualFold(k, []byte("RecordId")):
					if o.Identity == "" {
						o.Identity = string(kv.First())
					}
				}
			}
			if found {
				ad = bytes.TrimSpace(ad)
				if len(ad) == 0 {
					*r = record{}
					return nil
				}
				if ad[0] != '{' {
					return fmt.Errorf("AuditData is not a JSON object: %q", clip(ad))
				}
				*r = record{}
				if err := unmarshal(ad, r); err != nil {
					return fmt.Errorf("AuditData: %w", jsonError(err))
				}
				return nil
			}
		}
	}
	var env envelope
	if err := unmarshal(b, &env); err != nil {
		return jsonError(err)
	}
	*o = outer{UserIds: env.UserIds, Operations: env.Operations, Identity: env.Identity}
	if o.Identity == "" {
		o.Identity = env.RecordId
	}
	o.CreationDate = rawString(env.CreationDate)
	ad := bytes.TrimSpace(env.AuditData)
	if len(ad) == 0 || string(ad) == "null" {
		*r = env.record
		return nil
	}
	return decodeAuditData(ad, r)
}

// decodeAuditData decodes a search result's AuditData: a JSON string holding the record, or
// (from tools that decoded it already) the record itself.
func decodeAuditData(ad []byte, r *record) error {
	if ad[0] == '"' {
		var s string
		if err := json.Unmarshal(ad, &s); err != nil {
			return fmt.Errorf("AuditData: %w", jsonError(err))
		}
		ad = []byte(s)
	}
	ad = bytes.TrimSpace(ad)
	if len(ad) == 0 {
		*r = record{}
		return nil
	}
	if ad[0] != '{' {
		return fmt.Errorf("AuditData is not a JSON object: %q", clip(ad))
	}
	*r = record{}
	if err := unmarshal(ad, r); err != nil {
		return fmt.Errorf("AuditData: %w", jsonError(err))
	}
	return nil
}

// jsonError shortens encoding/json's messages.
func jsonError(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("invalid JSON at byte %d: %v", se.Offset, se)
	}
	return err
}

// clip returns the start of b for a message.
func clip(b []byte) string {
	const n = 60
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// rawString returns a raw JSON value as text: a string's value, a number's or a boolean's
// digits, "" for null or nothing.
func rawString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		return ""
	}
	return string(raw)
}

// rawInt returns a raw JSON number (or a string of digits) as an integer.
func rawInt(raw json.RawMessage) (int64, bool) {
	s := strings.TrimSpace(rawString(raw))
	if s == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= -9e18 && f <= 9e18 {
		return int64(f), true
	}
	return 0, false
}

// userTypes names the schema's UserType values.
var userTypes = [...]string{"Regular", "Reserved", "Admin", "DCAdmin", "System", "Application", "ServicePrincipal",
	"CustomPolicy", "SystemPolicy", "PartnerTechnician", "Guest"}

// userType names a UserType: the member name of a number the schema lists, else as written.
func userType(raw json.RawMessage) string {
	s := rawString(raw)
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n < len(userTypes) {
		return userTypes[n]
	}
	return s
}

// Time layouts: ISO 8601 with or without a zone (without one it is UTC), and the US layout
// PowerShell and the portal write CreationDate in.
var timeLayouts = []string{
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"1/2/2006 3:04:05 PM",
	"1/2/2006 15:04:05",
}

// parseTime reads a time as the records write it: ISO 8601 (CreationTime; no zone is UTC),
// PowerShell's "M/d/yyyy h:mm:ss AM" (read as UTC) and "/Date(ms)/" (ConvertTo-Json).
func parseTime(s string) (event.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	if rest, ok := strings.CutPrefix(s, "/Date("); ok {
		rest, ok = strings.CutSuffix(rest, ")/")
		if !ok {
			return 0, false
		}
		// the milliseconds may be followed by the writer's offset (+0100), which does not
		// change the instant
		end := len(rest)
		if i := strings.IndexAny(rest[1:], "+-"); i >= 0 {
			end = i + 1
		}
		ms, err := strconv.ParseInt(rest[:end], 10, 64)
		if err != nil || ms < -1e15 || ms > 1e15 {
			return 0, false
		}
		return event.Time(ms * 1000), true
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return event.FromStd(t), true
		}
	}
	return 0, false
}

// parseAddr reads a client address as the records write it: "192.0.2.1", "2001:db8::1",
// "192.0.2.1:51234", "[2001:db8::1]:443", "[2001:db8::1]"; an IPv4-mapped address is the
// IPv4 address.
func parseAddr(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil {
			return a.Unmap(), true
		}
	}
	return netip.Addr{}, false
}

// failed reports a ResultStatus that says the operation failed.
func failed(status string) bool {
	switch strings.ToLower(strings.TrimSpace(status)) {
	case "failed", "failure", "false", "fail":
		return true
	}
	return false
}

// mapRecord fills e from a record and its search result's fields. It returns errNotRecord for
// an object that has no operation or no time.
func mapRecord(r *record, o *outer, e *event.Cloud) error {
	*e = event.Cloud{Meta: e.Meta, Provider: Provider, Bytes: event.Unset, Count: 1}
	ts, ok := parseTime(r.CreationTime)
	if !ok {
		ts, ok = parseTime(o.CreationDate)
	}
	name := firstNonEmpty(r.Operation, o.Operations)
	if !ok || name == "" {
		if when := firstNonEmpty(r.CreationTime, o.CreationDate); name != "" && when != "" {
			return fmt.Errorf("unreadable time %q", when)
		}
		return errNotRecord
	}
	e.TS, e.Name = ts, name
	e.UID = firstNonEmpty(r.Id, o.Identity)
	e.User = firstNonEmpty(r.UserId, o.UserIds)
	e.Service = r.Workload
	e.UserType = userType(r.UserType)
	e.Account = r.OrganizationId

	for _, ip := range [...]string{r.ClientIP, r.ClientIPAddress, r.ActorIpAddress} {
		if ip = strings.TrimSpace(ip); ip == "" {
			continue
		}
		if a, ok := parseAddr(ip); ok {
			e.Src = a
		} else {
			e.SrcName = ip
		}
		break
	}

	e.UserAgent = firstNonEmpty(r.UserAgent, r.ClientInfoString, nvString(r.ExtendedProperties, "UserAgent"))
	switch code := rawString(r.ErrorCode); {
	case r.LogonError != "":
		e.Error = r.LogonError
	case code != "" && code != "0":
		e.Error = code
	case failed(r.ResultStatus):
		e.Error = r.ResultStatus
	}
	if n, ok := rawInt(r.OperationCount); ok && n > 0 {
		e.Count = n
	}

	// the object: a SharePoint or OneDrive file in its site, else what ObjectId names
	e.Object = r.ObjectId
	if r.SourceFileName != "" {
		e.Container = r.SiteUrl
		e.Object = r.SourceFileName
		if rel := strings.TrimRight(r.SourceRelativeUrl, "/"); rel != "" {
			e.Object = rel + "/" + r.SourceFileName
		}
	} else if r.SiteUrl != "" {
		e.Container = r.SiteUrl
	}
	if n, ok := rawInt(r.FileSizeBytes); ok && n >= 0 {
		e.Bytes = n
	}

	mapOperation(r, e)
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// nvString returns the value of the named pair as text.
func nvString(l []nameValue, name string) string {
	for i := range l {
		if strings.EqualFold(l[i].Name, name) {
			return rawString(l[i].Value)
		}
	}
	return ""
}
