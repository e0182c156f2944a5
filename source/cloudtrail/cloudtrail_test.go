package cloudtrail

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// who is the caller of a fixture record.
type who struct{ user, typ, role, instance, key string }

var (
	alice = who{"arn:aws:iam::111122223333:user/alice", "IAMUser", "", "", "AKIAIOSFODNN7EXAMPLE"}
	inst  = who{"arn:aws:sts::111122223333:assumed-role/WebAppRole/i-0abcd1234ef567890", "AssumedRole",
		"arn:aws:iam::111122223333:role/WebAppRole", "i-0abcd1234ef567890", "ASIAEXAMPLEINSTANCE1"}
	bob = who{"arn:aws:sts::111122223333:assumed-role/Admin/bob", "AssumedRole", "arn:aws:iam::111122223333:role/Admin", "",
		"ASIAEXAMPLEBOBSESSN1"}
	root  = who{"arn:aws:iam::111122223333:root", "Root", "", "", ""}
	svc   = who{"cloudtrail.amazonaws.com", "AWSService", "", "", ""}
	xacct = who{"444455556666", "AWSAccount", "", "", ""}
)

// want is what a fixture record (records.jsonl line n) maps to.
type want struct {
	n                                         int
	service, name                             string
	who                                       who
	src                                       string // an address (Src) or a name (SrcName)
	op                                        event.CloudOp
	bytes                                     int64
	container, object, scope, target, errCode string
}

const (
	s3       = "s3.amazonaws.com"
	ec2      = "ec2.amazonaws.com"
	rds      = "rds.amazonaws.com"
	data     = "example-data-bucket"
	web      = "example-web-bucket"
	u        = event.Unset
	otherAcc = "444455556666"
)

var wants = []want{
	{1, "signin.amazonaws.com", "ConsoleLogin", root, "203.0.113.10", event.CloudOther, u, "", "", "", "", ""},
	{2, "sts.amazonaws.com", "AssumeRole", alice, "203.0.113.25", event.CloudOther, u, "", "", "", "", ""},
	{3, s3, "ListBuckets", alice, "203.0.113.25", event.CloudList, u, "", "", "", "", ""},
	{4, s3, "ListObjects", inst, "198.51.100.40", event.CloudList, u, data, "", "", "", ""},
	{5, s3, "GetObject", inst, "198.51.100.40", event.CloudDownload, 2048, data, "reports/q1.csv", "", "", ""},
	{6, s3, "PutObject", alice, "2001:db8::10", event.CloudUpload, 1048576, data, "uploads/archive.zip", "", "", ""},
	{7, s3, "CreateMultipartUpload", alice, "203.0.113.25", event.CloudOther, u, data, "backup/db.tar", "", "", ""},
	{8, s3, "UploadPart", alice, "203.0.113.25", event.CloudUpload, 5242880, data, "backup/db.tar", "", "", ""},
	{9, s3, "UploadPart", alice, "203.0.113.25", event.CloudUpload, 1048576, data, "backup/db.tar", "", "", ""},
	{10, s3, "CompleteMultipartUpload", alice, "203.0.113.25", event.CloudUpload, u, data, "backup/db.tar", "", "", ""},
	{11, s3, "CopyObject", alice, "203.0.113.25", event.CloudUpload, u, "example-archive-bucket", "copies/q1.csv", "", "", ""},
	{12, s3, "GetObject", xacct, "198.51.100.20", event.CloudDownload, 512, data, "shared/partner.csv", "", "", ""},
	{13, s3, "GetObject", alice, "198.51.100.7", event.CloudDownload, u, data, "secret/keys.txt", "", "", "AccessDenied"},
	{14, s3, "GetBucketAcl", svc, "cloudtrail.amazonaws.com", event.CloudOther, u, "example-trail-bucket", "", "", "", ""},
	{15, s3, "PutBucketPolicy", alice, "203.0.113.25", event.CloudShare, u, web, "", event.ScopePublic, "*", ""},
	{16, s3, "PutBucketPolicy", alice, "203.0.113.25", event.CloudShare, u, data, "", event.ScopeExternal, otherAcc, ""},
	{17, s3, "PutBucketPolicy", alice, "203.0.113.25", event.CloudShare, u, data, "", event.ScopeInternal, "111122223333", ""},
	{18, s3, "PutBucketPolicy", alice, "203.0.113.25", event.CloudShare, u, data, "", event.ScopeInternal, "*", ""},
	{19, s3, "PutBucketAcl", alice, "203.0.113.25", event.CloudShare, u, web, "", event.ScopePublic, "public-read", ""},
	{20, s3, "PutBucketAcl", alice, "203.0.113.25", event.CloudShare, u, web, "", event.ScopePublic, allUsers, ""},
	{21, s3, "PutBucketAcl", alice, "203.0.113.25", event.CloudShare, u, data, "", event.ScopeExternal,
		"be2fe74dc7e8125d8f8cae89d90e6dfdecabf8e6a1d55e94b909b00fd9d95a97", ""},
	{22, s3, "PutObjectAcl", alice, "203.0.113.25", event.CloudShare, u, data, "reports/q1.csv", event.ScopePublic, "authenticated-read", ""},
	{23, s3, "PutBucketAcl", alice, "203.0.113.25", event.CloudShare, u, data, "", event.ScopeInternal, "private", ""},
	{24, s3, "DeleteBucketPublicAccessBlock", alice, "203.0.113.25", event.CloudShare, u, web, "", event.ScopePublic,
		"public access block removed", ""},
	{25, s3, "PutBucketPublicAccessBlock", alice, "203.0.113.25", event.CloudShare, u, web, "", event.ScopePublic,
		"public access block lifted: BlockPublicPolicy=false,RestrictPublicBuckets=false", ""},
	{26, s3, "PutBucketPublicAccessBlock", alice, "203.0.113.25", event.CloudOther, u, data, "", "", "", ""},
	{27, s3, "PutBucketReplication", bob, "203.0.113.60", event.CloudReplicate, u, data, "", event.ScopeExternal,
		"444455556666:arn:aws:s3:::example-dest-bucket", ""},
	{28, ec2, "CreateSnapshot", bob, "203.0.113.60", event.CloudSnapshot, u, "vol-0123456789abcdef0", "", "", "snap-0123456789abcdef0", ""},
	{29, ec2, "ModifySnapshotAttribute", bob, "203.0.113.60", event.CloudShare, u, "snap-0123456789abcdef0", "", event.ScopeExternal, otherAcc, ""},
	{30, ec2, "ModifySnapshotAttribute", bob, "203.0.113.60", event.CloudShare, u, "snap-0123456789abcdef0", "", event.ScopePublic, "all", ""},
	{31, rds, "CreateDBSnapshot", bob, "203.0.113.60", event.CloudSnapshot, u, "orders-db", "", "", "orders-db-snap-1", ""},
	{32, rds, "ModifyDBSnapshotAttribute", bob, "203.0.113.60", event.CloudShare, u, "orders-db-snap-1", "", event.ScopeExternal, otherAcc, ""},
	{33, rds, "ModifyDBClusterSnapshotAttribute", bob, "203.0.113.60", event.CloudShare, u, "analytics-cluster-snap", "", event.ScopePublic, "all", ""},
	{34, ec2, "ModifyImageAttribute", bob, "203.0.113.60", event.CloudShare, u, "ami-0abcdef1234567890", "", event.ScopeExternal, otherAcc, ""},
	{35, ec2, "CopySnapshot", bob, "203.0.113.60", event.CloudSnapshot, u, "snap-0123456789abcdef0", "", "", "snap-0fedcba9876543210", ""},
	{36, ec2, "DescribeInstances", bob, "203.0.113.60", event.CloudOther, u, "", "", "", "", ""},
	{37, s3, "PutObject", alice, "203.0.113.25", event.CloudUpload, 1024, web, "site/index.html", event.ScopePublic, "public-read", ""},
	{38, "kms.amazonaws.com", "Decrypt", inst, "AWS Internal", event.CloudOther, u, "", "", "", "", ""},
}

// fixtureTime is the eventTime of records.jsonl line n.
func fixtureTime(n int) event.Time {
	return event.FromStd(time.Date(2024, 5, 2, 10, n, n*7%60, 0, time.UTC))
}

// check compares an event with what fixture record w maps to.
func check(t *testing.T, where string, e event.Cloud, w want) {
	t.Helper()
	var errs []string
	eq := func(field string, got, want any) {
		if got != want {
			errs = append(errs, fmt.Sprintf("%s = %v, want %v", field, got, want))
		}
	}
	eq("UID", e.UID, fmt.Sprintf("e0c1a7b2-0000-4000-8000-%012d", w.n))
	eq("TS", e.TS, fixtureTime(w.n))
	eq("Provider", e.Provider, "aws")
	eq("Service", e.Service, w.service)
	eq("Name", e.Name, w.name)
	eq("Op", e.Op, w.op)
	eq("User", e.User, w.who.user)
	eq("UserType", e.UserType, w.who.typ)
	eq("Role", e.Role, w.who.role)
	eq("Instance", e.Instance, w.who.instance)
	eq("AccessKey", e.AccessKey, w.who.key)
	eq("Account", e.Account, "111122223333")
	eq("Region", e.Region, "us-east-1")
	if e.UserAgent == "" {
		errs = append(errs, "no UserAgent")
	}
	if a, err := netip.ParseAddr(w.src); err == nil {
		eq("Src", e.Src, a)
		eq("SrcName", e.SrcName, "")
	} else {
		eq("Src", e.Src, netip.Addr{})
		eq("SrcName", e.SrcName, w.src)
	}
	eq("Container", e.Container, w.container)
	eq("Object", e.Object, w.object)
	eq("ObjectID", e.ObjectID, "")
	eq("Bytes", e.Bytes, w.bytes)
	eq("Count", e.Count, int64(1))
	eq("Scope", e.Scope, w.scope)
	eq("Target", e.Target, w.target)
	eq("Error", e.Error, w.errCode)
	eq("Sensor", e.Sensor, "")
	if e.Recipients != nil {
		errs = append(errs, "Recipients set")
	}
	if len(errs) > 0 {
		t.Errorf("%s: record %d (%s):\n  %s", where, w.n, w.name, strings.Join(errs, "\n  "))
	}
}

func readFixture(t *testing.T, name string) ([]event.Cloud, *source.Stats) {
	t.Helper()
	p := filepath.Join("testdata", name)
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	var c collector
	st, err := readAll(t, source.FileInput(p, fi.Size()), &c, 0)
	if err != nil {
		t.Fatal(err)
	}
	if st.TotalSkipped() != 0 || len(st.Problems) != 0 {
		t.Fatalf("%s: skipped %v: %s", name, st.Skipped, problems(st))
	}
	if st.Read[logType] != int64(len(c.got)) {
		t.Errorf("%s: read %v, %d events", name, st.Read, len(c.got))
	}
	return c.got, st
}

// Every fixture record maps as the table says.
func TestMapping(t *testing.T) {
	got, _ := readFixture(t, canonical)
	if len(got) != len(wants) {
		t.Fatalf("%d events, want %d", len(got), len(wants))
	}
	for i, w := range wants {
		if w.n != i+1 {
			t.Fatalf("table out of order at %d", w.n)
		}
		check(t, canonical, got[i], w)
		if got[i].Ref.Line != uint32(w.n) {
			t.Errorf("record %d at line %d", w.n, got[i].Ref.Line)
		}
	}
}

// shapeFile is a fixture with the canonical records in another shape, and where each record
// is (its line, or its number in the document).
type shapeFile struct {
	name string
	pos  func(i int) uint32 // i: the index among the records the file holds
	mgmt bool               // only the management events
}

var shapeFiles = []shapeFile{
	{canonical, func(i int) uint32 { return uint32(i + 1) }, false},
	{delivered, func(i int) uint32 { return uint32(i + 1) }, false},
	{arrayFile, func(i int) uint32 { return uint32(i + 1) }, false},
	{logstash, func(i int) uint32 { return uint32(i + 1) }, false},
	{bridge, func(i int) uint32 { return uint32(i + 1) }, false},
	{messages, func(i int) uint32 { return uint32(i + 1) }, false},
	{cloudwatch, func(i int) uint32 { return uint32(2 + i/8) }, false}, // after the control message, 8 a line
	{lookupFile, func(i int) uint32 { return uint32(i + 1) }, true},
}

// The same records in every shape give the same events, at the documented positions.
func TestShapesAgree(t *testing.T) {
	all, _ := readFixture(t, canonical)
	recs := canonicalRecords(t)
	for _, sf := range shapeFiles {
		got, st := readFixture(t, sf.name)
		var exp []event.Cloud
		var ws []want
		for i, e := range all {
			if !sf.mgmt || isManagement(recs[i]) {
				exp = append(exp, e)
				ws = append(ws, wants[i])
			}
		}
		if len(got) != len(exp) {
			t.Fatalf("%s: %d events, want %d", sf.name, len(got), len(exp))
		}
		for i := range got {
			if a, b := content(got[i]), content(exp[i]); a != b {
				t.Errorf("%s event %d differs:\n got  %s\n want %s", sf.name, i+1, a, b)
			}
			check(t, sf.name, got[i], ws[i])
			if p := sf.pos(i); got[i].Ref.Line != p {
				t.Errorf("%s event %d at %d, want %d", sf.name, i+1, got[i].Ref.Line, p)
			}
		}
		if sf.name == cloudwatch && st.Ignored[logControl] != 1 {
			t.Errorf("%s: ignored %v, want the control message", sf.name, st.Ignored)
		}
	}
}

// The delivered file, gzipped as CloudTrail writes it to S3, reads as the plain one.
func TestGzip(t *testing.T) {
	plain, err := os.ReadFile(filepath.Join("testdata", delivered))
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain)
	zw.Close()
	p := filepath.Join(t.TempDir(), "111122223333_CloudTrail_us-east-1_20240502T1040Z_EXAMPLEa1b2c3d4e5.json.gz")
	if err := os.WriteFile(p, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var c collector
	st, err := readAll(t, source.FileInput(p, int64(gz.Len())), &c, 0)
	if err != nil || st.TotalSkipped() != 0 {
		t.Fatal(err, problems(st))
	}
	want, _ := readFixture(t, canonical)
	if len(c.got) != len(want) {
		t.Fatalf("%d events, want %d", len(c.got), len(want))
	}
	for i := range want {
		if content(c.got[i]) != content(want[i]) || c.got[i].Ref.Line != uint32(i+1) {
			t.Errorf("event %d differs: %+v", i+1, c.got[i])
		}
	}
	// the evidence of a record: itself, compact
	o, err := source.Open(source.FileInput(p, int64(gz.Len())), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	recs, err := o.Format.Records(o.R, []uint32{5, 38})
	lines := canonicalRecords(t)
	if err != nil || recs[5] != string(lines[4]) || recs[38] != string(lines[37]) {
		t.Errorf("Records: %v %v", err, recs)
	}
}

// A digest file is claimed and counted as ignored.
func TestDigest(t *testing.T) {
	p := filepath.Join("testdata", digest)
	var c collector
	st, err := readAll(t, source.FileInput(p, -1), &c, 0)
	if err != nil || len(c.got) != 0 || st.TotalSkipped() != 0 || st.Ignored[logDigest] != 1 {
		t.Errorf("digest: %v, %d events, ignored %v, skipped %v", err, len(c.got), st.Ignored, st.Skipped)
	}
}

// Records gives back the record of every event of every shape: the line of one-a-line input,
// the compacted value of documents.
func TestRecords(t *testing.T) {
	lines := canonicalRecords(t)
	for _, sf := range shapeFiles {
		b, err := os.ReadFile(filepath.Join("testdata", sf.name))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := readFixture(t, sf.name)
		var pos []uint32
		for _, e := range got {
			if len(pos) == 0 || pos[len(pos)-1] != e.Ref.Line {
				pos = append(pos, e.Ref.Line)
			}
		}
		recs, err := Records(bytes.NewReader(b), pos)
		if err != nil {
			t.Fatal(err)
		}
		fileLines := strings.Split(string(b), "\n")
		for _, p := range pos {
			r := recs[p]
			switch sf.name {
			case delivered, arrayFile:
				if r != string(lines[p-1]) {
					t.Errorf("%s: record %d is %.80q, want the record", sf.name, p, r)
				}
			case lookupFile:
				if !strings.HasPrefix(r, `{"EventId":`) || !strings.Contains(r, `"CloudTrailEvent":"{`) {
					t.Errorf("%s: record %d is %.80q", sf.name, p, r)
				}
			default:
				if r != fileLines[p-1] {
					t.Errorf("%s: record %d is %.80q, want line %d", sf.name, p, r, p)
				}
			}
		}
	}
}

// When no detection reads cloud events, records are counted, not mapped.
func TestSkipKind(t *testing.T) {
	for _, name := range []string{canonical, delivered} {
		p := filepath.Join("testdata", name)
		var c collector
		st, err := readAll(t, source.FileInput(p, -1), &c, event.KindSet(0).With(event.KindCloud))
		if err != nil || len(c.got) != 0 || st.Ignored[logType] != int64(len(wants)) || len(st.Read) != 0 {
			t.Errorf("%s: %v, %d events, read %v, ignored %v", name, err, len(c.got), st.Read, st.Ignored)
		}
	}
}
