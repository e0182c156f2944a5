package gworkspace

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// The fixtures hold the same 13 activities (14 events) in each shape. docShapes number their
// events by the activity's ordinal; lineShapes by line.
var (
	docShapes = []string{
		"page.json",             // one activities.list response, pretty-printed
		"pages.json",            // three responses (the pages of a report), pretty, one after another
		"pages-compact.json",    // the same pages, one a line
		"pages-array.json",      // a JSON array of the three pages
		"activities-array.json", // a JSON array of the activities
	}
	lineShapes = []string{
		"activities.jsonl",   // one activity a line
		"splunk-export.json", // Splunk's JSON search export: result._raw
		"splunk-raw.jsonl",   // Splunk events: _raw
		"logstash.ndjson",    // Logstash: message
	}
	// Elastic Agent's split documents: one event a line, "events" an object, in event.original
	elasticShape = "elastic.ndjson"
)

func allShapes() []string {
	return append(append(append([]string{}, docShapes...), lineShapes...), elasticShape)
}

func readFixture(t *testing.T, name string) []event.Cloud {
	t.Helper()
	var c collector
	st, err := readAll(t, source.FileInput(filepath.Join("testdata", name), -1), &c, 0)
	if err != nil {
		t.Fatal(err)
	}
	if st.TotalSkipped() != 0 || len(st.Problems) != 0 {
		t.Fatalf("%s: skipped %v: %s", name, st.Skipped, problems(st))
	}
	if len(c.got) != 14 || st.Read[logType] != 14 {
		t.Fatalf("%s: %d events, read %v; want 14", name, len(c.got), st.Read)
	}
	return c.got
}

func ts(s string) event.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return event.FromStd(t)
}

// The same activities in every shape give the same events; positions are ordinals or lines.
func TestShapesAgree(t *testing.T) {
	want := readFixture(t, "page.json")
	activity := []uint32{1, 2, 3, 4, 5, 6, 7, 7, 8, 9, 10, 11, 12, 13} // each event's activity
	for _, name := range allShapes() {
		got := readFixture(t, name)
		for i := range got {
			w := want[i]
			if name == elasticShape {
				w.UID = strings.TrimSuffix(strings.TrimSuffix(w.UID, "#1"), "#2") // one event a document
			}
			if a, b := content(got[i]), content(w); a != b {
				t.Errorf("%s event %d differs:\n got  %s\n want %s", name, i+1, a, b)
			}
			pos := activity[i] // docShapes and lineShapes: the activity's ordinal or line
			if name == elasticShape {
				pos = uint32(i + 1) // a line per event
			}
			if got[i].Ref.Line != pos {
				t.Errorf("%s event %d: position %d, want %d", name, i+1, got[i].Ref.Line, pos)
			}
		}
	}
}

// The fixture's events, field by field.
func TestFieldMapping(t *testing.T) {
	got := readFixture(t, "page.json")
	type row struct {
		name, user, service         string
		op                          event.CloudOp
		src                         string
		container, object, objectID string
		scope, target               string
		bytes                       int64
	}
	want := []row{
		{"upload", "alice@example.com", "drive", event.CloudUpload, "203.0.113.10", "alice@example.com", "Q3 forecast.xlsx", "1Q3fcAbCdEfGhIjKlMnOpQrStUvWxYz01", "", "", event.Unset},
		{"download", "bob@example.com", "drive", event.CloudDownload, "198.51.100.23", "carol@example.com", "Customer list.csv", "1CustListAbCdEfGhIjKlMnOpQrStUv02", "", "", event.Unset},
		{"download", "bob@example.com", "drive", event.CloudDownload, "198.51.100.23", "carol@example.com", "Pricing 2024.pdf", "1PriceAbCdEfGhIjKlMnOpQrStUvWxY03", "", "", event.Unset},
		{"download", "bob@example.com", "drive", event.CloudDownload, "2001:db8::17", "bob@example.com", "Source archive.zip", "1SrcArcAbCdEfGhIjKlMnOpQrStUvWx04", "", "", event.Unset},
		{"download", "bob@example.com", "drive", event.CloudDownload, "198.51.100.23", "shared drive 0AExampleFinanceDriveUk9PVA", "Payroll 2024.xlsx", "1PayrollAbCdEfGhIjKlMnOpQrStUv05", "", "", event.Unset},
		{"change_user_access", "alice@example.com", "drive", event.CloudShare, "203.0.113.10", "alice@example.com", "Q3 forecast.xlsx", "1Q3fcAbCdEfGhIjKlMnOpQrStUvWxYz01", event.ScopeExternal, "mallory@example.org", event.Unset},
		{"change_document_visibility", "alice@example.com", "drive", event.CloudShare, "203.0.113.10", "alice@example.com", "Roadmap 2025", "1RoadmapAbCdEfGhIjKlMnOpQrStUvW07", event.ScopePublic, "people_with_link", event.Unset},
		{"change_document_access_scope", "alice@example.com", "drive", event.CloudShare, "203.0.113.10", "alice@example.com", "Roadmap 2025", "1RoadmapAbCdEfGhIjKlMnOpQrStUvW07", event.ScopePublic, "people_with_link", event.Unset},
		{"delivery", "bob@example.com", "gmail", event.CloudMail, "198.51.100.23", "bob@example.com", "Customer list export", "<CAexample-4f1d2c@mail.example.com>", "", "", 26214400},
		{"CHANGE_APPLICATION_SETTING", "admin@example.com", "admin", event.CloudShare, "192.0.2.44", "Example Org", "SHARING_OUTSIDE_DOMAIN", "", event.ScopeExternal, "SHARING_ALLOWED", event.Unset},
		{"login_success", "alice@example.com", "login", event.CloudOther, "203.0.113.10", "", "", "", "", "", event.Unset},
		{"activity", "bob@example.com", "token", event.CloudOther, "198.51.100.23", "drive", "drive.files.get", "1234567890-example.apps.googleusercontent.com", "", "Example Sync Tool", 52428800},
		{"authorize", "bob@example.com", "token", event.CloudOther, "198.51.100.23", "", "", "1234567890-example.apps.googleusercontent.com", "", "Example Sync Tool", event.Unset},
		{"email_forwarding_out_of_domain", "bob@example.com", "login", event.CloudShare, "198.51.100.23", "", "", "", event.ScopeExternal, "bob.personal@example.net", event.Unset},
	}
	times := []string{"2024-05-06T09:15:02.118Z", "2024-05-06T10:02:44.501Z", "2024-05-06T10:02:51.930Z", "2024-05-06T10:03:07.002Z",
		"2024-05-06T10:04:12.650Z", "2024-05-06T11:20:30.004Z", "2024-05-06T11:25:18.772Z", "2024-05-06T11:25:18.772Z",
		"2024-05-06T12:40:10.123Z", "2024-05-06T13:05:00Z", "2024-05-06T08:59:41.313Z", "2024-05-06T14:00:00Z",
		"2024-05-06T13:58:12Z", "2024-05-06T15:30:00Z"}
	for i, w := range want {
		e := got[i]
		g := row{e.Name, e.User, e.Service, e.Op, e.Src.String(), e.Container, e.Object, e.ObjectID, e.Scope, e.Target, e.Bytes}
		if g != w {
			t.Errorf("event %d:\n got  %+v\n want %+v", i+1, g, w)
		}
		if e.TS != ts(times[i]) || e.Provider != "google" || e.Account != "C01abc2de" || e.UserType != "USER" || e.Count != 1 ||
			e.Error != "" || e.SrcName != "" || e.Owner != "" {
			t.Errorf("event %d: %+v", i+1, e)
		}
	}
	if got[0].UID != "-4512894463727364671" || got[6].UID != "5529107341188027361#1" || got[7].UID != "5529107341188027361#2" {
		t.Errorf("UIDs %q %q %q", got[0].UID, got[6].UID, got[7].UID)
	}
	if r := got[8].Recipients; len(r) != 2 || r[0] != "bob.personal@example.net" || r[1] != "carol@example.com" {
		t.Errorf("recipients %q", r)
	}
	for i, e := range got {
		if i != 8 && e.Recipients != nil {
			t.Errorf("event %d: recipients %q", i+1, e.Recipients)
		}
	}
}

// act builds a one-line activity of app with the given events (JSON texts).
func act(app string, events ...string) string {
	return `{"kind":"admin#reports#activity","id":{"time":"2024-05-06T09:15:02.118Z","uniqueQualifier":"42","applicationName":"` + app +
		`","customerId":"C01abc2de"},"actor":{"callerType":"USER","email":"alice@example.com","profileId":"1"},"ownerDomain":"example.com",` +
		`"ipAddress":"203.0.113.10","events":[` + strings.Join(events, ",") + `]}`
}

// ev builds an event with parameters given as JSON texts.
func ev(name string, params ...string) string {
	return `{"type":"t","name":"` + name + `","parameters":[` + strings.Join(params, ",") + `]}`
}

func sp(n, v string) string { return fmt.Sprintf(`{"name":%q,"value":%q}`, n, v) }
func mp(n string, v ...string) string {
	q := make([]string, len(v))
	for i, s := range v {
		q[i] = fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf(`{"name":%q,"multiValue":[%s]}`, n, strings.Join(q, ","))
}
func ip(n string, v int64) string { return fmt.Sprintf(`{"name":%q,"intValue":"%d"}`, n, v) }
func bp(n string, v bool) string  { return fmt.Sprintf(`{"name":%q,"boolValue":%t}`, n, v) }
func msgp(n string, ps ...string) string {
	return fmt.Sprintf(`{"name":%q,"messageValue":{"parameter":[%s]}}`, n, strings.Join(ps, ","))
}
func mmsgp(n string, groups ...string) string {
	var g []string
	for _, x := range groups {
		g = append(g, `{"parameter":[`+x+`]}`)
	}
	return fmt.Sprintf(`{"name":%q,"multiMessageValue":[%s]}`, n, strings.Join(g, ","))
}

// one reads text (one record) and returns its only event.
func one(t *testing.T, text string) event.Cloud {
	t.Helper()
	var c collector
	st := source.NewStats()
	if err := readDirect(t, text, &c, st); err != nil {
		t.Fatal(err)
	}
	if len(c.got) != 1 || st.TotalSkipped() != 0 {
		t.Fatalf("%d events, skipped %v: %s\n%s", len(c.got), st.Skipped, problems(st), text)
	}
	return c.got[0]
}

// Every mapping rule of the package doc.
func TestMapping(t *testing.T) {
	type want struct {
		op                       event.CloudOp
		scope, target            string
		container, object, objid string
		bytes                    int64
	}
	doc := func(extra ...string) []string {
		return append([]string{sp("doc_id", "D1"), sp("doc_title", "T1"), sp("owner", "alice@example.com")}, extra...)
	}
	cases := []struct {
		name, text string
		want       want
	}{
		{"drive upload", act("drive", ev("upload", doc()...)), want{event.CloudUpload, "", "", "alice@example.com", "T1", "D1", event.Unset}},
		{"drive download", act("drive", ev("download", doc()...)), want{event.CloudDownload, "", "", "alice@example.com", "T1", "D1", event.Unset}},
		{"drive create is other", act("drive", ev("create", doc()...)), want{event.CloudOther, "", "", "alice@example.com", "T1", "D1", event.Unset}},
		{"drive copy is other", act("drive", ev("copy", doc()...)), want{event.CloudOther, "", "", "alice@example.com", "T1", "D1", event.Unset}},
		{"drive view is other", act("drive", ev("view", doc()...)), want{event.CloudOther, "", "", "alice@example.com", "T1", "D1", event.Unset}},
		{"drive change_acl_editors is other", act("drive", ev("change_acl_editors", doc(mp("new_value", "can_edit"))...)),
			want{event.CloudOther, "", "", "alice@example.com", "T1", "D1", event.Unset}},
		{"drive inherited access is other", act("drive", ev("change_user_access_hierarchy_reconciled", doc(sp("target_user", "x@example.org"))...)),
			want{event.CloudOther, "", "", "alice@example.com", "T1", "D1", event.Unset}},
		{"shared drive id", act("drive", ev("download", sp("doc_id", "D1"), sp("owner", "Finance"), bp("owner_is_shared_drive", true), sp("shared_drive_id", "0AX"))),
			want{event.CloudDownload, "", "", "shared drive 0AX", "", "D1", event.Unset}},
		{"owner shared drive id", act("drive", ev("download", sp("doc_id", "D1"), sp("owner", "Finance"), bp("owner_is_shared_drive", true), sp("owner_shared_drive_id", "0AY"))),
			want{event.CloudDownload, "", "", "shared drive 0AY", "", "D1", event.Unset}},
		{"shared drive by name", act("drive", ev("download", sp("doc_id", "D1"), sp("owner", "Finance"), bp("owner_is_shared_drive", true))),
			want{event.CloudDownload, "", "", "shared drive Finance", "", "D1", event.Unset}},
		{"user access, external by visibility_change", act("drive", ev("change_user_access", doc(sp("target_user", "bob@example.com"), sp("visibility_change", "external"), mp("new_value", "can_view"))...)),
			want{event.CloudShare, event.ScopeExternal, "bob@example.com", "alice@example.com", "T1", "D1", event.Unset}},
		{"user access, external by domain", act("drive", ev("change_user_access", doc(sp("target_user", "eve@example.org"), sp("visibility_change", "none"), mp("new_value", "can_edit"))...)),
			want{event.CloudShare, event.ScopeExternal, "eve@example.org", "alice@example.com", "T1", "D1", event.Unset}},
		{"user access, internal", act("drive", ev("change_user_access", doc(sp("target_user", "bob@example.com"), mp("new_value", "can_comment"))...)),
			want{event.CloudShare, event.ScopeInternal, "bob@example.com", "alice@example.com", "T1", "D1", event.Unset}},
		{"user access, subdomain internal", act("drive", ev("change_user_access", doc(sp("target_user", "bob@eng.example.com"), mp("new_value", "can_view"))...)),
			want{event.CloudShare, event.ScopeInternal, "bob@eng.example.com", "alice@example.com", "T1", "D1", event.Unset}},
		{"user access removed", act("drive", ev("change_user_access", doc(sp("target_user", "eve@example.org"), mp("new_value", "none"), mp("old_value", "can_edit"))...)),
			want{event.CloudOther, "", "", "alice@example.com", "T1", "D1", event.Unset}},
		{"user access to all", act("drive", ev("change_user_access", doc(sp("target_domain", "all"), sp("visibility", "people_with_link"), mp("new_value", "can_view"))...)),
			want{event.CloudShare, event.ScopePublic, "people_with_link", "alice@example.com", "T1", "D1", event.Unset}},
		{"user access to another domain", act("drive", ev("change_user_access", doc(sp("target_domain", "example.org"), mp("new_value", "can_view"))...)),
			want{event.CloudShare, event.ScopeExternal, "example.org", "alice@example.com", "T1", "D1", event.Unset}},
		{"visibility public on the web", act("drive", ev("change_document_visibility", doc(mp("new_value", "public_on_the_web"), sp("target_domain", "all"))...)),
			want{event.CloudShare, event.ScopePublic, "public_on_the_web", "alice@example.com", "T1", "D1", event.Unset}},
		{"visibility from the visibility parameter", act("drive", ev("change_document_visibility", doc(sp("visibility", "people_with_link"))...)),
			want{event.CloudShare, event.ScopePublic, "people_with_link", "alice@example.com", "T1", "D1", event.Unset}},
		{"visibility domain with link", act("drive", ev("change_document_visibility", doc(mp("new_value", "people_within_domain_with_link"), sp("target_domain", "example.com"))...)),
			want{event.CloudShare, event.ScopeInternal, "example.com", "alice@example.com", "T1", "D1", event.Unset}},
		{"visibility another domain with link", act("drive", ev("change_document_visibility", doc(mp("new_value", "people_within_domain_with_link"), sp("target_domain", "example.org"))...)),
			want{event.CloudShare, event.ScopeExternal, "example.org", "alice@example.com", "T1", "D1", event.Unset}},
		{"visibility private", act("drive", ev("change_document_visibility", doc(mp("new_value", "private"), sp("visibility", "people_with_link"))...)),
			want{event.CloudOther, "", "", "alice@example.com", "T1", "D1", event.Unset}},
		{"visibility shared externally", act("drive", ev("change_document_visibility", doc(mp("new_value", "shared_externally"))...)),
			want{event.CloudShare, event.ScopeExternal, "shared_externally", "alice@example.com", "T1", "D1", event.Unset}},
		{"access scope removed", act("drive", ev("change_document_access_scope", doc(mp("new_value", "none"), sp("target_domain", "all"), sp("visibility", "private"))...)),
			want{event.CloudOther, "", "", "alice@example.com", "T1", "D1", event.Unset}},
		{"access scope for the domain", act("drive", ev("change_document_access_scope", doc(mp("new_value", "can_view"), sp("target_domain", "all"), sp("visibility", "people_within_domain_with_link"))...)),
			want{event.CloudShare, event.ScopeInternal, "people_within_domain_with_link", "alice@example.com", "T1", "D1", event.Unset}},
		{"access scope, visibility unsaid", act("drive", ev("change_document_access_scope", doc(mp("new_value", "can_view"), sp("target_domain", "example.org"))...)),
			want{event.CloudShare, event.ScopeExternal, "example.org", "alice@example.com", "T1", "D1", event.Unset}},
		{"shared drive member added", act("drive", ev("shared_drive_membership_change", sp("shared_drive_id", "0AX"), sp("target", "eve@example.org"), sp("added_role", "organizer"), sp("membership_change_type", "add_to_shared_drive"))),
			want{event.CloudShare, event.ScopeExternal, "eve@example.org", "shared drive 0AX", "", "", event.Unset}},
		{"shared drive member removed", act("drive", ev("shared_drive_membership_change", sp("shared_drive_id", "0AX"), sp("target", "eve@example.org"), sp("removed_role", "organizer"))),
			want{event.CloudOther, "", "", "shared drive 0AX", "", "", event.Unset}},
		{"gmail received is other", act("gmail", ev("delivery", msgp("event_info", ip("mail_event_type", 2)), msgp("message_info", sp("subject", "S"), ip("payload_size", 100)))),
			want{event.CloudOther, "", "", "alice@example.com", "S", "", 100}},
		{"gmail autoforward", act("gmail", ev("delivery", msgp("event_info", ip("mail_event_type", 11)), msgp("message_info", sp("subject", "S"), ip("payload_size", 7)))),
			want{event.CloudMail, "", "", "alice@example.com", "S", "", 7}},
		{"gmail attachments downloaded", act("gmail", ev("delivery", msgp("event_info", ip("mail_event_type", 17)), msgp("message_info", sp("rfc2822_message_id", "<m@x>")))),
			want{event.CloudDownload, "", "", "alice@example.com", "", "<m@x>", event.Unset}},
		{"admin sharing not allowed", act("admin", ev("CHANGE_APPLICATION_SETTING", sp("SETTING_NAME", "SHARING_OUTSIDE_DOMAIN"), sp("NEW_VALUE", "SHARING_NOT_ALLOWED"), sp("ORG_UNIT_NAME", "OU"))),
			want{event.CloudOther, "", "", "OU", "SHARING_OUTSIDE_DOMAIN", "", event.Unset}},
		{"admin calendar shared out", act("admin", ev("CHANGE_CALENDAR_SETTING", sp("SETTING_NAME", "SHARING_OUTSIDE_DOMAIN"), sp("NEW_VALUE", "READ_ONLY_ACCESS"), sp("ORG_UNIT_NAME", "OU"))),
			want{event.CloudShare, event.ScopeExternal, "READ_ONLY_ACCESS", "OU", "SHARING_OUTSIDE_DOMAIN", "", event.Unset}},
		{"admin setting deleted", act("admin", ev("DELETE_APPLICATION_SETTING", sp("SETTING_NAME", "SHARING_OUTSIDE_DOMAIN"), sp("GROUP_EMAIL", "g@example.com"))),
			want{event.CloudOther, "", "", "g@example.com", "SHARING_OUTSIDE_DOMAIN", "", event.Unset}},
		{"admin email monitor", act("admin", ev("CREATE_EMAIL_MONITOR", sp("USER_EMAIL", "dave@example.com"), sp("EMAIL_MONITOR_DEST_EMAIL", "audit@example.com"))),
			want{event.CloudShare, event.ScopeInternal, "audit@example.com", "", "dave@example.com", "", event.Unset}},
		{"admin ownership transfer", act("admin", ev("TRANSFER_DOCUMENT_OWNERSHIP", sp("USER_EMAIL", "dave@example.com"), sp("NEW_VALUE", "erin@example.com"), sp("DOMAIN_NAME", "example.com"))),
			want{event.CloudShare, event.ScopeInternal, "erin@example.com", "", "dave@example.com", "", event.Unset}},
		{"admin other", act("admin", ev("CREATE_USER", sp("USER_EMAIL", "new@example.com"))),
			want{event.CloudOther, "", "", "", "new@example.com", "", event.Unset}},
		{"forwarding in user_accounts", act("user_accounts", ev("email_forwarding_out_of_domain", sp("email_forwarding_destination_address", "x@example.net"))),
			want{event.CloudShare, event.ScopeExternal, "x@example.net", "", "", "", event.Unset}},
		{"login failure", act("login", ev("login_failure", sp("login_type", "google_password"))),
			want{event.CloudOther, "", "", "", "", "", event.Unset}},
		{"token revoke", act("token", ev("revoke", sp("app_name", "App"), sp("client_id", "C"))),
			want{event.CloudOther, "", "App", "", "", "C", event.Unset}},
		{"other application", act("calendar", ev("create_event", sp("event_title", "x"))),
			want{event.CloudOther, "", "", "", "", "", event.Unset}},
		{"no ownerDomain: the actor's domain", strings.Replace(act("drive", ev("change_user_access", doc(sp("target_user", "eve@example.org"), mp("new_value", "can_view"))...)), `"ownerDomain":"example.com",`, "", 1),
			want{event.CloudShare, event.ScopeExternal, "eve@example.org", "alice@example.com", "T1", "D1", event.Unset}},
		{"no domain to compare", strings.Replace(strings.Replace(act("drive", ev("change_user_access", doc(sp("target_user", "eve@example.org"), mp("new_value", "can_view"))...)), `"ownerDomain":"example.com",`, "", 1), `"email":"alice@example.com",`, "", 1),
			want{event.CloudShare, "", "eve@example.org", "alice@example.com", "T1", "D1", event.Unset}},
		{"visibility of unknown word", act("drive", ev("change_document_visibility", doc(mp("new_value", "some_new_level"))...)),
			want{event.CloudShare, "", "some_new_level", "alice@example.com", "T1", "D1", event.Unset}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := one(t, tc.text)
			g := want{e.Op, e.Scope, e.Target, e.Container, e.Object, e.ObjectID, e.Bytes}
			if g != tc.want {
				t.Errorf("\n got  %+v\n want %+v", g, tc.want)
			}
			if e.Count != 1 || e.Provider != "google" {
				t.Errorf("%+v", e)
			}
		})
	}
}

// The common fields: actor, address, time, UID, status.
func TestCommonFields(t *testing.T) {
	base := act("drive", ev("view", sp("doc_id", "D")))
	cases := []struct {
		name, from, to string
		check          func(e event.Cloud) bool
	}{
		{"profileId when no email", `"email":"alice@example.com",`, ``, func(e event.Cloud) bool { return e.User == "1" }},
		{"key for KEY callers", `"callerType":"USER","email":"alice@example.com","profileId":"1"`, `"callerType":"KEY","key":"SYSTEM","profileId":"1"`,
			func(e event.Cloud) bool { return e.User == "SYSTEM" && e.UserType == "KEY" && e.AccessKey == "SYSTEM" }},
		{"numeric profileId", `"email":"alice@example.com","profileId":"1"`, `"profileId":105250506097979753968`, func(e event.Cloud) bool { return e.User == "105250506097979753968" }},
		{"no actor", `"actor":{"callerType":"USER","email":"alice@example.com","profileId":"1"},`, ``, func(e event.Cloud) bool { return e.User == "" && e.UserType == "" }},
		{"IPv6", `"203.0.113.10"`, `"2001:db8::1"`, func(e event.Cloud) bool { return e.Src == netip.MustParseAddr("2001:db8::1") }},
		{"IPv4-mapped", `"203.0.113.10"`, `"::ffff:203.0.113.10"`, func(e event.Cloud) bool { return e.Src == netip.MustParseAddr("203.0.113.10") }},
		{"address that is not one", `"203.0.113.10"`, `"proxy.example.com"`, func(e event.Cloud) bool { return !e.Src.IsValid() && e.SrcName == "proxy.example.com" }},
		{"app without address", `"ipAddress":"203.0.113.10",`, ``, func(e event.Cloud) bool { return !e.Src.IsValid() && e.SrcName == "" }},
		{"app actor", `"ipAddress":"203.0.113.10",`, `"actor":{"callerType":"USER","applicationInfo":{"applicationName":"Example App","impersonation":true}},`,
			func(e event.Cloud) bool { return e.SrcName == "Example App" }},
		{"time with offset", `"2024-05-06T09:15:02.118Z"`, `"2024-05-06T11:15:02.118+02:00"`, func(e event.Cloud) bool { return e.TS == ts("2024-05-06T09:15:02.118Z") }},
		{"time with a space", `"2024-05-06T09:15:02.118Z"`, `"2024-05-06 09:15:02.118000000"`, func(e event.Cloud) bool { return e.TS == ts("2024-05-06T09:15:02.118Z") }},
		{"epoch seconds", `"2024-05-06T09:15:02.118Z"`, `1714986902`, func(e event.Cloud) bool { return e.TS == ts("2024-05-06T09:15:02Z") }},
		{"epoch milliseconds", `"2024-05-06T09:15:02.118Z"`, `"1714986902118"`, func(e event.Cloud) bool { return e.TS == ts("2024-05-06T09:15:02.118Z") }},
		{"epoch microseconds", `"2024-05-06T09:15:02.118Z"`, `1714986902118123`, func(e event.Cloud) bool { return e.TS == ts("2024-05-06T09:15:02.118123Z") }},
		{"numeric uniqueQualifier", `"uniqueQualifier":"42"`, `"uniqueQualifier":-42`, func(e event.Cloud) bool { return e.UID == "-42" }},
		{"failed event", `"name":"view",`, `"name":"view","status":{"eventStatus":"FAILED","errorCode":"PERMISSION_DENIED","httpStatusCode":403},`,
			func(e event.Cloud) bool { return e.Error == "PERMISSION_DENIED" }},
		{"failed event without code", `"name":"view",`, `"name":"view","status":{"eventStatus":"FAILED"},`, func(e event.Cloud) bool { return e.Error == "FAILED" }},
		{"succeeded event", `"name":"view",`, `"name":"view","status":{"eventStatus":"SUCCEEDED"},`, func(e event.Cloud) bool { return e.Error == "" }},
		{"no kind", `"kind":"admin#reports#activity",`, ``, func(e event.Cloud) bool { return e.Name == "view" }},
		{"events as an object", `"events":[{"type":"t","name":"view","parameters":[{"name":"doc_id","value":"D"}]}]`,
			`"events":{"type":"t","name":"view","parameters":[{"name":"doc_id","value":"D"}]}`, func(e event.Cloud) bool { return e.Name == "view" && e.ObjectID == "D" }},
		{"escaped strings", `{"name":"doc_id","value":"D"}`, `{"name":"doc_title","value":"a \"b\" \u00e9"}`, func(e event.Cloud) bool { return e.Object == `a "b" é` }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.Replace(base, tc.from, tc.to, 1)
			if text == base && tc.from != "" {
				t.Fatalf("replacement of %s not applied", tc.from)
			}
			if e := one(t, text); !tc.check(e) {
				t.Errorf("%+v", e)
			}
		})
	}
}

// Gmail's nested parameters read the same however they are nested or named.
func TestGmailParameters(t *testing.T) {
	info := msgp("event_info", ip("mail_event_type", 1))
	forms := map[string]string{
		"multiMessageValue destinations": act("gmail", ev("delivery", info, msgp("message_info", sp("subject", "S"), ip("payload_size", 5000),
			mmsgp("destination", sp("address", "a@example.net"), sp("address", "b@example.org"))))),
		"dotted names in message_info": act("gmail", ev("delivery", info, msgp("message_info", sp("subject", "S"), ip("payload_size", 5000),
			mp("destination.address", "a@example.net", "b@example.org")))),
		"dotted names at the top": act("gmail", ev("delivery", ip("event_info.mail_event_type", 1), sp("message_info.subject", "S"),
			ip("message_info.payload_size", 5000), mp("message_info.destination.address", "a@example.net", "b@example.org"))),
		"flattened destinations": act("gmail", ev("delivery", info, msgp("message_info", sp("subject", "S"), ip("payload_size", 5000),
			sp("flattened_destinations", "smtp-outbound::a@example.net,gmail-for-work-catchall::b@example.org")))),
	}
	for name, text := range forms {
		e := one(t, text)
		if e.Op != event.CloudMail || e.Bytes != 5000 || e.Object != "S" || len(e.Recipients) != 2 ||
			e.Recipients[0] != "a@example.net" || e.Recipients[1] != "b@example.org" {
			t.Errorf("%s: %+v", name, e)
		}
	}
	// a sent message whose destinations are not logged: recipients unknown
	e := one(t, act("gmail", ev("delivery", info, msgp("message_info", sp("subject", "S")))))
	if e.Op != event.CloudMail || e.Recipients != nil || e.Bytes != event.Unset {
		t.Errorf("no destinations: %+v", e)
	}
}

// The wrappers of the collectors, however they nest.
func TestWrappers(t *testing.T) {
	a := act("drive", ev("download", sp("doc_id", "D")))
	q := func(s string) string { return fmt.Sprintf("%q", s) }
	page := `{"kind":"admin#reports#activities","items":[` + a + `]}`
	for name, text := range map[string]string{
		"event.original nested":     `{"@timestamp":"x","event":{"original":` + q(a) + `,"action":"download"}}`,
		"event.original dotted":     `{"@timestamp":"x","event.original":` + q(a) + `}`,
		"message":                   `{"@version":"1","message":` + q(a) + `}`,
		"_raw":                      `{"_raw":` + q(a) + `,"_time":"1"}`,
		"result._raw":               `{"preview":false,"result":{"_raw":` + q(a) + `}}`,
		"page in _raw":              `{"_raw":` + q(page) + `}`,
		"page on a line":            page,
		"_raw of a message":         `{"_raw":` + q(`{"message":`+q(a)+`}`) + `}`,
		"message with an ECS event": `{"message":` + q(a) + `,"event":{"kind":"event"},"host":{"name":"h"}}`,
		"splunk results":            `{"preview":false,"init_offset":0,"messages":[],"fields":[{"name":"_raw"}],"results":[{"_raw":` + q(a) + `}]}`,
	} {
		if e := one(t, text); e.ObjectID != "D" || e.Op != event.CloudDownload {
			t.Errorf("%s: %+v", name, e)
		}
	}
}

func TestSniff(t *testing.T) {
	a := act("drive", ev("download", sp("doc_id", "D")))
	q := func(s string) string { return fmt.Sprintf("%q", s) }
	yes := map[string]string{
		"activity":            a,
		"page":                `{"kind":"admin#reports#activities","etag":"e","items":[` + a + `]}`,
		"empty page":          `{"kind":"admin#reports#activities","etag":"e"}`,
		"page without kind":   `{"items":[` + a + `],"nextPageToken":"t"}`,
		"array of activities": "[\n  " + a + "\n]",
		"array of pages":      `[{"kind":"admin#reports#activities","items":[]}]`,
		"no kind":             `{"id":{"time":"2024-05-06T09:15:02Z","applicationName":"drive"},"events":[]}`,
		"splunk":              `{"preview":false,"result":{"_raw":` + q(a) + `}}`,
		"logstash":            `{"message":` + q(a) + `}`,
		"elastic":             `{"event":{"original":` + q(a) + `}}`,
		"splunk results":      `{"preview":false,"init_offset":0,"messages":[],"fields":[{"name":"_raw"}],"results":[{"_raw":` + q(a) + `}]}`,
		"cut _raw":            `{"_raw":` + q(a)[:100] + `"}`,
		"BOM and blank":       "\xef\xbb\xbf\n\n" + a,
		"broken first line":   a[:50] + "\n" + a,
		"page cut by head":    `{"kind":"admin#reports#activities","items":[` + a + `,` + strings.Repeat(a+",", source.SniffSize/len(a)),
		"long activity":       `{"kind":"admin#reports#activity","id":{"time":"x","applicationName":"drive","uniqueQualifier":"1","customerId":"C","x":"` + strings.Repeat("A", source.SniffSize),
	}
	for _, name := range allShapes() {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		yes[name] = string(b)
	}
	for name, head := range yes {
		if len(head) > source.SniffSize {
			head = head[:source.SniffSize]
		}
		if !Sniff([]byte(head), "x.json") {
			t.Errorf("Sniff(%s) = false", name)
		}
	}
	no := map[string]string{
		"zeek json":           `{"_path":"conn","ts":1588205199.82437,"uid":"C1","id.orig_h":"10.0.1.6","id.orig_p":1,"id.resp_h":"10.0.0.4","id.resp_p":80}`,
		"winlogbeat":          `{"@timestamp":"2024-01-01T00:00:00Z","winlog":{"event_id":"4688","channel":"Security","event_data":{}}}`,
		"splunk stream":       `{"timestamp":"2021-04-21T18:12:31.123456Z","src_ip":"10.0.0.1","dest_ip":"10.0.0.2","http_method":"GET"}`,
		"cloudtrail":          `{"Records":[{"eventVersion":"1.08","eventSource":"s3.amazonaws.com","eventName":"GetObject","eventTime":"2024-03-05T10:00:00Z"}]}`,
		"cloudtrail logstash": `{"@timestamp":"x","message":"{\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\"}"}`,
		"m365":                `[{"CreationTime":"2024-03-05T10:00:00","Id":"x","Operation":"FileDownloaded","OrganizationId":"o","RecordType":6,"UserId":"bob@contoso.com","Workload":"OneDrive"}]`,
		"splunk xml":          `{"_raw":"<Event><System><EventID>4688</EventID></System></Event>","sourcetype":"XmlWinEventLog"}`,
		"other page":          `{"kind":"admin#directory#users","users":[]}`,
		"usage report":        `{"kind":"admin#reports#usageReports","usageReports":[{"kind":"admin#reports#usageReport","date":"2024-05-06"}]}`,
		"items of others":     `{"items":[{"id":"x","name":"y"}]}`,
		"text":                "Apr 21 18:12:31 host sshd[1]: Accepted password for alice\n",
		"empty":               "",
		"empty array":         "[]",
		"xml":                 "<Events><Event/></Events>",
		"binary":              "\x00\x01\x02\xff",
		"zeek cut":            `{"ts":1,"uid":"C","id.orig_h":"10.0.0.1","x":"` + strings.Repeat("A", source.SniffSize),
	}
	for name, head := range no {
		if len(head) > source.SniffSize {
			head = head[:source.SniffSize]
		}
		if Sniff([]byte(head), "x.json") {
			t.Errorf("Sniff(%s) = true", name)
		}
	}
}

// A record cut short, junk, the wrong shape: skipped and reported with the position; reading
// goes on.
func TestBadInput(t *testing.T) {
	a := act("drive", ev("download", sp("doc_id", "D")))
	page, err := os.ReadFile("testdata/pages.json")
	if err != nil {
		t.Fatal(err)
	}
	p := string(page)
	cut := strings.Index(p, `"value": "Pricing`) // in page 1's third item (line 127)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(strings.Repeat(a+"\n", 5000)))
	zw.Close()
	truncated := gz.Bytes()[:gz.Len()/2]
	cases := []struct {
		name, file, text string
		wantErr          string // error that stops reading
		wantSkip         string // a problem message expected
		wantReason       string // the counted reason
		wantRead         int
	}{
		{name: "line cut in half", file: "h.json", text: a + "\n" + a[:90] + "\n" + a + "\n",
			wantSkip: "h.json:2: invalid JSON at byte", wantReason: reasonJSON, wantRead: 2},
		{name: "last line cut", file: "h.json", text: a + "\n" + a[:len(a)-2],
			wantSkip: "h.json:2: invalid JSON", wantReason: reasonJSON, wantRead: 1},
		{name: "binary junk line", file: "h.json", text: a + "\n\x00\x01\x02\xff\xfe\n" + a,
			wantSkip: "h.json:2: invalid JSON at byte 1", wantReason: reasonJSON, wantRead: 2},
		{name: "other object", file: "h.json", text: a + "\n" + `{"user":"alice"}` + "\n",
			wantSkip: "h.json:2: not a Workspace activity: no id.time", wantReason: reasonNotActivity, wantRead: 1},
		{name: "other kind", file: "h.json", text: a + "\n" + `{"kind":"admin#reports#usageReport"}` + "\n",
			wantSkip: `h.json:2: not a Workspace activity: kind "admin#reports#usageReport"`, wantReason: reasonNotActivity, wantRead: 1},
		{name: "bad time", file: "h.json", text: a + "\n" + strings.Replace(a, "2024-05-06T09:15:02.118Z", "yesterday", 1),
			wantSkip: `h.json:2: id.time: bad time "yesterday"`, wantReason: reasonBad, wantRead: 1},
		{name: "no time", file: "h.json", text: strings.Replace(a, `"time":"2024-05-06T09:15:02.118Z",`, "", 1),
			wantSkip: `h.json:1: no id.time`, wantReason: reasonBad},
		{name: "wrong type", file: "h.json", text: a + "\n" + strings.Replace(a, `"ownerDomain":"example.com"`, `"ownerDomain":{"x":1}`, 1),
			wantSkip: `h.json:2: activity field ownerDomain: a JSON object where a string belongs`, wantReason: reasonBad, wantRead: 1},
		{name: "events of the wrong type", file: "h.json", text: strings.Replace(a, `"events":[`, `"events":[42,`, 1) + "\n" + a,
			wantSkip: `h.json:1: activity field events`, wantReason: reasonBad, wantRead: 1},
		{name: "page item that is not an activity", file: "p.json", text: `{"kind":"admin#reports#activities","items":[` + a + `,{"x":1},` + a + `]}` + "\n",
			wantSkip: "p.json:1: record 2: not a Workspace activity", wantReason: reasonNotActivity, wantRead: 2},
		{name: "page line item that is not an activity", file: "p.json", text: a + "\n" + `{"kind":"admin#reports#activities","items":[` + a + `,{"x":1}]}` + "\n",
			wantSkip: "p.json:2: item 2 of a page: not a Workspace activity: no id.time", wantReason: reasonNotActivity, wantRead: 2},
		{name: "array element that is not an object", file: "a.json", text: "[" + a + ",\n42,\n" + a + "]",
			wantSkip: "a.json:2: record 2: an array element that is not a JSON object", wantReason: reasonNotActivity, wantRead: 2},
		{name: "pretty page cut, another page after", file: "p.json", text: p[:cut+10] + "\n" + p,
			wantSkip: "p.json:127: record 3: invalid JSON: newline inside a string", wantReason: reasonJSON, wantRead: 2 + 14},
		{name: "pretty page cut outside a string", file: "p.json", text: p[:cut] + "\n" + p,
			wantSkip: "p.json:127: record 3: invalid JSON: cut short: a new value starts at line 167", wantReason: reasonJSON, wantRead: 2 + 14},
		{name: "pretty page cut by the end", file: "p.json", text: p[:cut],
			wantSkip: "p.json:127: record 3: invalid JSON: cut short by the end of the input", wantReason: reasonJSON, wantRead: 2},
		{name: "junk between pages", file: "p.json", text: p + "-- next file --\n" + p,
			wantSkip: "p.json:858: not JSON", wantReason: reasonJSON, wantRead: 28},
		{name: "binary between pages", file: "p.json", text: p + "\x00\x01\xff}]\n\x00\n" + p,
			wantSkip: "p.json:858: not JSON", wantReason: reasonJSON, wantRead: 28},
		{name: "mismatched bracket", file: "p.json", text: "[" + a + ",\n" + strings.Replace(a, `"D"}]}`, `"D"]]}`, 1) + ",\n" + a + "]",
			wantSkip: `p.json:2: record 2: invalid JSON: ']' closes '{'`, wantReason: reasonJSON, wantRead: 2},
		{name: "truncated gzip", file: "h.json.gz", text: string(truncated), wantErr: "truncated gzip stream"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c collector
			st, err := readString(t, tc.file, tc.text, &c)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "offset") {
					t.Fatalf("want error %q with an offset, got %v", tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(problems(st), tc.wantSkip) {
				t.Errorf("want a problem containing %q, got %q", tc.wantSkip, problems(st))
			}
			if st.Skipped[tc.wantReason] != 1 || st.TotalSkipped() != 1 {
				t.Errorf("want one record skipped for %q, got %v", tc.wantReason, st.Skipped)
			}
			if len(c.got) != tc.wantRead || st.Read[logType] != int64(tc.wantRead) {
				t.Errorf("read %d events (counted %v), want %d", len(c.got), st.Read, tc.wantRead)
			}
		})
	}
}

func TestEmptyAndUnknown(t *testing.T) {
	if _, err := source.Open(source.ReaderInput("empty.json", strings.NewReader("")), nil); err == nil || !strings.Contains(err.Error(), "empty file") {
		t.Errorf("empty file: %v", err)
	}
	if o, err := source.Open(source.ReaderInput("x.bin", strings.NewReader("\x00\x01\x02junk")), nil); err == nil {
		t.Errorf("binary file read as %s", o.Format.Name)
	}
	// read anyway: nothing but problems, no panic
	for _, text := range []string{"", "\n\n", "[", "]", "{", "[]", "{}", "null", "[1,2]", `{"items":[1]}`, `"x"`, "\xef\xbb\xbf", "[[[[", "}}}}", `{"a":"`} {
		st := source.NewStats()
		var c collector
		if err := readDirect(t, text, &c, st); err != nil {
			t.Errorf("%q: %v", text, err)
		}
		if len(c.got) != 0 {
			t.Errorf("%q: %d events", text, len(c.got))
		}
	}
}

// Over-long lines (one a line) and records (documents) are skipped, and reading goes on.
func TestTooLong(t *testing.T) {
	a := act("drive", ev("download", sp("doc_id", "D")))
	long := strings.Replace(a, `"D"`, `"`+strings.Repeat("x", source.MaxLine)+`"`, 1)
	var c collector
	st := source.NewStats()
	if err := readDirect(t, a+"\n"+long+"\n"+a+"\n", &c, st); err != nil {
		t.Fatal(err)
	}
	if len(c.got) != 2 || st.Skipped[reasonLong] != 1 || !strings.Contains(problems(st), "x.json:2: line of") {
		t.Errorf("lines: %d events, %v: %s", len(c.got), st.Skipped, problems(st))
	}
	// in a page: the record is dropped, the next ones read
	c = collector{}
	st = source.NewStats()
	text := `{"kind":"admin#reports#activities","items":[` + "\n" + a + ",\n" + long + ",\n" + a + "\n]}\n"
	if err := readDirect(t, text, &c, st); err != nil {
		t.Fatal(err)
	}
	if len(c.got) != 2 || st.Skipped[reasonJSON] != 1 || !strings.Contains(problems(st), "x.json:3: record 2: longer than the 16 MiB limit") {
		t.Errorf("page: %d events, %v: %s", len(c.got), st.Skipped, problems(st))
	}
	// far longer: broken off while read, and reading resumes at the next record's line
	c = collector{}
	st = source.NewStats()
	longer := strings.Replace(a, `"D"`, `"`+strings.Repeat("x", 2*source.MaxLine)+`"`, 1)
	text = "[\n" + a + ",\n" + longer + ",\n" + a + "\n]\n"
	if err := readDirect(t, text, &c, st); err != nil {
		t.Fatal(err)
	}
	if len(c.got) != 2 || c.got[1].Ref.Line != 3 || st.Skipped[reasonJSON] != 1 ||
		!strings.Contains(problems(st), "x.json:3: record 2: invalid JSON: longer than the 16 MiB limit") {
		t.Errorf("array: %d events, %v: %s", len(c.got), st.Skipped, problems(st))
	}
}

// Records gives each event's record back: the line, or the record compacted.
func TestRecords(t *testing.T) {
	for _, name := range allShapes() {
		got := readFixture(t, name)
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		var pos []uint32
		for _, e := range got {
			if len(pos) == 0 || pos[len(pos)-1] != e.Ref.Line {
				pos = append(pos, e.Ref.Line)
			}
		}
		recs, err := Records(bytes.NewReader(data), pos)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(data), "\n")
		for _, p := range pos {
			r := recs[p]
			if r == "" || strings.Contains(r, "\n") {
				t.Fatalf("%s: record %d: %q", name, p, r)
			}
			if !slicesContains(docShapes, name) && r != lines[p-1] {
				t.Errorf("%s: line %d given back as %q", name, p, r)
			}
			// the record reads back to its events
			var c collector
			st := source.NewStats()
			if err := readDirect(t, r, &c, st); err != nil || len(c.got) == 0 || st.TotalSkipped() != 0 {
				t.Errorf("%s: record %d does not read back: %v %s", name, p, err, problems(st))
			}
			for _, e := range c.got {
				for _, w := range got {
					if w.Ref.Line == p && w.UID == e.UID && content(w) != content(e) {
						t.Errorf("%s: record %d reads back differently", name, p)
					}
				}
			}
		}
	}
	// asked for nothing, or past the end
	if recs, err := Records(strings.NewReader("{}"), nil); err != nil || len(recs) != 0 {
		t.Errorf("%v %v", recs, err)
	}
	data, _ := os.ReadFile("testdata/page.json")
	if recs, err := Records(bytes.NewReader(data), []uint32{13, 99}); err != nil || len(recs) != 1 || recs[13] == "" {
		t.Errorf("%v %v", len(recs), err)
	}
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// A run whose detections read no cloud events counts the events without mapping them.
func TestSkipKind(t *testing.T) {
	for _, name := range allShapes() {
		var c collector
		st, err := readAll(t, source.FileInput(filepath.Join("testdata", name), -1), &c, event.KindSet(0).With(event.KindCloud))
		if err != nil {
			t.Fatal(err)
		}
		if len(c.got) != 0 || st.Ignored[logType] != 14 || len(st.Read) != 0 {
			t.Errorf("%s: got %d events, ignored %v, read %v", name, len(c.got), st.Ignored, st.Read)
		}
	}
	// an empty page (a report without activities) is nothing, not a problem
	for _, text := range []string{`{"kind":"admin#reports#activities","etag":"e"}`, "{\n  \"kind\": \"admin#reports#activities\",\n  \"etag\": \"e\"\n}\n",
		`{"kind":"admin#reports#activities","etag":"e","items":[]}`} {
		var c collector
		st := source.NewStats()
		if err := readDirect(t, text, &c, st); err != nil || len(c.got) != 0 || st.TotalSkipped() != 0 || len(st.Problems) != 0 {
			t.Errorf("empty page %q: %v %d %s", text, err, len(c.got), problems(st))
		}
	}
	// an activity without events is ignored, not skipped
	var c collector
	st := source.NewStats()
	readDirect(t, act("drive"), &c, st)
	if len(c.got) != 0 || st.Ignored[logType] != 1 || st.TotalSkipped() != 0 {
		t.Errorf("no events: %d %v %v", len(c.got), st.Ignored, st.Skipped)
	}
}

// Reading gives the same events and problems whatever the sizes of the reads.
func TestReadSizes(t *testing.T) {
	page, _ := os.ReadFile("testdata/pages.json")
	p := string(page)
	cut := strings.Index(p, `"value": "Pricing`)
	texts := []string{p[:cut+10] + "\n" + p + "junk\n" + p[:cut], "[" + p[:cut] + "\n" + p + "]"}
	for _, name := range allShapes() {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, string(b))
	}
	run := func(r io.Reader) string {
		var c collector
		st := source.NewStats()
		err := Read(t.Context(), r, source.FileInfo{Name: "x.json"}, st, func(j source.Job) error {
			j.Run(&c, st)
			return nil
		})
		var out strings.Builder
		fmt.Fprintln(&out, err, st.Read, st.Skipped)
		for _, e := range c.got {
			fmt.Fprintln(&out, e.Ref.Line, content(e))
		}
		out.WriteString(problems(st))
		return out.String()
	}
	for i, text := range texts {
		want := run(strings.NewReader(text))
		for name, r := range map[string]io.Reader{
			"one byte": iotest.OneByteReader(strings.NewReader(text)),
			"half":     iotest.HalfReader(strings.NewReader(text)),
		} {
			if got := run(r); got != want {
				t.Errorf("text %d, %s reads:\n%s\nwant\n%s", i, name, got, want)
			}
		}
	}
}
