package cloudtrail

import (
	"archive/zip"
	"bytes"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// datasets is the shared datasets folder beside the repository.
const datasets = "../../../shared/datasets"

const exfilZip = "otrf-host-cloud/ec2_proxy_s3_exfiltration.zip"

// dataset returns the path of a file of the shared datasets, skipping the test when absent.
func dataset(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(datasets, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real dataset %s not present (it lives in the shared datasets folder beside the repo): %v", name, err)
	}
	return p
}

// exfilJSON returns the Logstash-wrapped CloudTrail records of the OTRF (Mordor) dataset "EC2
// proxy S3 exfiltration", read from its zip; nil when the dataset is absent.
func exfilJSON() []byte {
	zr, err := zip.OpenReader(filepath.Join(datasets, exfilZip))
	if err != nil {
		return nil
	}
	defer zr.Close()
	for _, f := range zr.File {
		if filepath.Ext(f.Name) != ".json" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			return nil
		}
		return b
	}
	return nil
}

// The OTRF dataset: 103 Logstash-wrapped records with @timestamp and no eventTime, read through
// source.Expand (which opens the zip's members) and source.Open; the two GetObject calls of
// ring.txt by the EC2 instance's role session.
func TestOTRFExfiltration(t *testing.T) {
	ins, err := source.Expand([]string{dataset(t, exfilZip)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 1 {
		t.Fatalf("%d members in the zip", len(ins))
	}
	var c collector
	st, err := readAll(t, ins[0], &c, 0)
	if err != nil {
		t.Fatal(err)
	}
	if st.TotalSkipped() != 0 || st.Read[logType] != 103 || len(c.got) != 103 {
		t.Fatalf("read %v, skipped %v, %d events: %s", st.Read, st.Skipped, len(c.got), problems(st))
	}
	var gets []event.Cloud
	ops := map[event.CloudOp]int{}
	for _, e := range c.got {
		ops[e.Op]++
		if e.TS == 0 || e.Provider != "aws" || e.Service == "" || e.UID == "" || e.Ref.Line == 0 || e.Ref.Line > 103 {
			t.Fatalf("incomplete event %+v", e)
		}
		if e.Name == "GetObject" {
			gets = append(gets, e)
		}
	}
	if len(gets) != 2 {
		t.Fatalf("%d GetObject events, want 2", len(gets))
	}
	times := map[event.Time]bool{}
	for _, e := range gets {
		times[e.TS] = true
		const session = "arn:aws:sts::123456789123:assumed-role/MordorNginxStack-BankingWAFRole-9S3E0UAE1MM0/i-0317f6c6b66ae9c40"
		if e.Op != event.CloudDownload || e.Service != "s3.amazonaws.com" || e.Container != "mordors3stack-s3bucket-llp2yingx64a" ||
			e.Object != "ring.txt" || e.Src != netip.MustParseAddr("1.2.3.4") || e.SrcName != "" || e.User != session ||
			e.UserType != "AssumedRole" || e.Role != "arn:aws:iam::123456789123:role/MordorNginxStack-BankingWAFRole-9S3E0UAE1MM0" ||
			e.Instance != "i-0317f6c6b66ae9c40" || e.AccessKey != "ASIA5FLZVX4OPVKKVBMX" || e.Account != "123456789123" ||
			e.Region != "us-east-1" || e.Bytes != 89 || e.Count != 1 || e.Error != "" {
			t.Errorf("GetObject %+v", e)
		}
	}
	if !times[ts(t, "2020-09-14T01:02:34Z")] || !times[ts(t, "2020-09-14T01:13:20Z")] {
		t.Errorf("GetObject times %v", times)
	}
	if ops[event.CloudList] == 0 || ops[event.CloudDownload] != 2 {
		t.Errorf("operations %v", ops)
	}
	// the evidence of a record is its line
	data := exfilJSON()
	lines := bytes.Split(data, []byte{'\n'})
	recs, err := Records(bytes.NewReader(data), []uint32{gets[0].Ref.Line})
	if err != nil || recs[gets[0].Ref.Line] != string(lines[gets[0].Ref.Line-1]) {
		t.Errorf("Records: %v", err)
	}
}

func ts(t testing.TB, s string) event.Time {
	t.Helper()
	var v event.Time
	if err := v.UnmarshalText([]byte(s)); err != nil {
		t.Fatal(err)
	}
	return v
}

// The repository's sample day (testdata/cloud, written by package synth as CloudTrail
// delivers files): every record read, the planted exposures found.
func TestSampleDay(t *testing.T) {
	m, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "cloud", "cloudtrail", "*.json.gz"))
	if len(m) == 0 {
		t.Skip("the sample day's CloudTrail file (testdata/cloud/cloudtrail) is not present")
	}
	for _, p := range m {
		var c collector
		st, err := readAll(t, source.FileInput(p, -1), &c, 0)
		if err != nil || st.TotalSkipped() != 0 || len(c.got) == 0 {
			t.Fatalf("%s: %v, %d events: %s", p, err, len(c.got), problems(st))
		}
		found := map[string]string{}
		for _, e := range c.got {
			if e.Op == event.CloudShare || e.Op == event.CloudReplicate {
				found[e.Name] = e.Scope + " " + e.Target
			}
		}
		t.Logf("%s: %d events; exposures %v", filepath.Base(p), len(c.got), found)
		for name, scope := range map[string]string{"PutBucketReplication": "external", "ModifySnapshotAttribute": "external",
			"PutBucketPolicy": "public"} {
			if got, ok := found[name]; ok && !bytes.HasPrefix([]byte(got), []byte(scope)) {
				t.Errorf("%s: %s", name, got)
			}
		}
	}
}
