// Package cloud names what cloud audit events (event.Cloud) are about in the words the cloud
// detections share: the resource an event touches ("s3://bucket", a SharePoint site), the
// short name of the service, the seeds' action vocabulary, the kind of client a user agent
// shows, and the sizes a run learns of objects whose events do not state one.
package cloud

import (
	"net/netip"
	"regexp"
	"strings"

	"github.com/sluice-hunt/sluice/event"
)

// App is the short name of the service an event belongs to: "s3", "sharepoint", "onedrive",
// "exchange", "drive", "gmail", or the service as logged, lower case.
func App(e *event.Cloud) string {
	s := strings.ToLower(e.Service)
	if i := strings.Index(s, ".amazonaws.com"); i > 0 {
		return s[:i]
	}
	return s
}

// Resource names the container an event touches, as a user would write it: "s3://bucket"
// for S3, the site or mailbox as logged for Microsoft 365, "drive:owner" for Google Drive;
// "" when the event names none.
func Resource(e *event.Cloud) string {
	if e.Container == "" {
		return ""
	}
	switch App(e) {
	case "s3":
		return "s3://" + e.Container
	case "drive":
		return "drive:" + e.Container
	}
	return e.Container
}

// ObjectKey identifies an object across events of one provider: provider, container and object
// (or the provider's id for it when it has one). Empty when the event names no object.
func ObjectKey(e *event.Cloud) string {
	return KeyOf(e.Provider, e.Container, ObjectName(e))
}

// KeyOf is ObjectKey of an object named within a provider's container.
func KeyOf(provider, container, object string) string {
	if object == "" {
		return ""
	}
	return provider + "\x00" + container + "\x00" + object
}

// Caller is who made the call: the address when the log has one, else the service name.
func Caller(e *event.Cloud) string {
	if e.Src.IsValid() {
		return e.Src.String()
	}
	return e.SrcName
}

// The actions of seed 003's cloud analytics: the values its `action` field takes.
const (
	ActionPutObject   = "putObject"
	ActionUpload      = "upload"
	ActionEmailSent   = "email_sent"
	ActionDriveUpload = "drive_upload"
)

// SeedAction maps an event to the action vocabulary of seed 003's cloud services analytic
// (upload, putObject, email_sent, drive_upload), "" for events outside it: S3 PutObject is
// putObject; a Microsoft 365 upload (FileUploaded, FileSyncUploadedFull) is upload; a Drive
// upload is drive_upload; a message sent (Exchange Send, Gmail) is email_sent.
func SeedAction(e *event.Cloud) string {
	switch {
	case e.Provider == "aws" && e.Name == "PutObject":
		return ActionPutObject
	case e.Op == event.CloudUpload && e.Provider == "m365":
		return ActionUpload
	case e.Op == event.CloudUpload && e.Provider == "google":
		return ActionDriveUpload
	case e.Op == event.CloudMail:
		return ActionEmailSent
	}
	return ""
}

// SharedOut reports whether an event opened data outside the organisation: a share or
// replication whose scope is public or external.
func SharedOut(e *event.Cloud) bool {
	return (e.Op == event.CloudShare || e.Op == event.CloudReplicate) &&
		(e.Scope == event.ScopePublic || e.Scope == event.ScopeExternal)
}

// workstation matches the operating system part of an AWS SDK or CLI user agent, or a
// browser's, when it names a desktop system ("Darwin/19.5.0", "Windows/10", "Windows NT").
var workstation = regexp.MustCompile(`(?i)\b(darwin/|windows/|windows nt|macintosh|mac os x|mac_os_x)`)

// Workstation reports whether a user agent names a desktop operating system (macOS, Windows):
// a call made from a person's computer rather than from a server in the cloud.
func Workstation(ua string) bool { return workstation.MatchString(ua) }

// Whole reports whether an event's size, when it states one, is the whole object's: not for
// the parts of an S3 multipart upload (UploadPart, UploadPartCopy).
func Whole(e *event.Cloud) bool {
	return !(e.Provider == "aws" && (e.Name == "UploadPart" || e.Name == "UploadPartCopy"))
}

// IsAddr reports whether s is an IP address.
func IsAddr(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// Sizes remembers the sizes a run saw of objects, so that an event that does not state one
// (a share, a download through a link) can take the size another event stated. The zero value
// is ready and remembers every size; a detection that only scores sizes above a threshold sets
// Above to it, so that the sizes of the many small objects of a busy account are not kept.
type Sizes struct {
	// Above is the size at or below which sizes are not remembered.
	Above int64
	m     map[string]int64
}

// Observe remembers the event's size for its object (the largest seen), when the size is the
// whole object's (a multipart upload's parts are not).
func (s *Sizes) Observe(e *event.Cloud) {
	if e.Bytes <= max(s.Above, 0) || !Whole(e) {
		return
	}
	k := ObjectKey(e)
	if k == "" {
		return
	}
	if s.m == nil {
		s.m = map[string]int64{}
	}
	if e.Bytes > s.m[k] {
		s.m[strings.Clone(k)] = e.Bytes
	}
}

// Merge folds o into s.
func (s *Sizes) Merge(o *Sizes) {
	for k, v := range o.m {
		if s.m == nil {
			s.m = map[string]int64{}
		}
		if v > s.m[k] {
			s.m[k] = v
		}
	}
}

// Of returns the size of the event's object: the event's own, else the largest another event
// stated, else event.Unset.
func (s *Sizes) Of(e *event.Cloud) int64 {
	if e.Bytes >= 0 {
		return e.Bytes
	}
	if v, ok := s.m[ObjectKey(e)]; ok {
		return v
	}
	return event.Unset
}

// OfKey returns the size learned for an object key, or event.Unset.
func (s *Sizes) OfKey(k string) int64 {
	if v, ok := s.m[k]; ok {
		return v
	}
	return event.Unset
}

// ObjectName is the event's object within its container: the provider's id for it when it has
// one, else its name. Within one container it identifies the object as ObjectKey does across
// them, without building a string.
func ObjectName(e *event.Cloud) string {
	if e.ObjectID != "" {
		return e.ObjectID
	}
	return e.Object
}

// Tally adds n to m[k]. Event strings alias read buffers, so a new key is copied; an existing
// one costs no allocation. At most limit keys are kept: the smallest (by byte order) of those
// seen, so that what is kept, and the counts of what is kept, do not depend on the order the
// events come in (the engine's contract) - a key among the smallest is never dropped.
func Tally(m map[string]int64, k string, n int64, limit int) {
	if _, ok := m[k]; ok {
		m[k] += n
		return
	}
	if len(m) < limit {
		m[strings.Clone(k)] = n
		return
	}
	first, largest := true, ""
	for x := range m {
		if first || x > largest {
			first, largest = false, x
		}
	}
	if k < largest {
		delete(m, largest)
		m[strings.Clone(k)] = n
	}
}

// KeepSmallest adds h to the set unless the set holds limit values all smaller: the set keeps
// the smallest values seen, whatever their order.
func KeepSmallest(set map[uint64]struct{}, h uint64, limit int) {
	if _, ok := set[h]; ok {
		return
	}
	if len(set) < limit {
		set[h] = struct{}{}
		return
	}
	var largest uint64
	for x := range set {
		largest = max(largest, x)
	}
	if h < largest {
		delete(set, largest)
		set[h] = struct{}{}
	}
}
