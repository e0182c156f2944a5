package cloudtrail

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the fixtures derived from testdata/records.jsonl")

// The fixtures. records.jsonl is written by hand from the CloudTrail record schema; the other
// shapes wrap the same records as each producer does, and are generated from it by
// TestFixtures (go test -run TestFixtures -update).
const (
	canonical  = "records.jsonl"      // one record a line (jq -c '.Records[]', Splunk's aws:cloudtrail)
	delivered  = "records.json"       // the file CloudTrail delivers to S3: {"Records":[...]} on one line
	arrayFile  = "array.json"         // a pretty-printed JSON array of records
	logstash   = "logstash.jsonl"     // Logstash: the record's members beside @timestamp and @version
	bridge     = "eventbridge.jsonl"  // EventBridge events "AWS API Call via CloudTrail"
	messages   = "message.jsonl"      // the record as a JSON string: Logstash message, Splunk _raw
	cloudwatch = "cloudwatch.jsonl"   // CloudWatch Logs subscription data
	lookupFile = "lookup-events.json" // aws cloudtrail lookup-events output (management events only)
	digest     = "111122223333_CloudTrail-Digest_us-east-1_management-trail_us-east-1_20240502T110000Z.json"
)

// canonicalRecords returns the hand-written records, one a line.
func canonicalRecords(t testing.TB) [][]byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", canonical))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, l := range bytes.Split(b, []byte{'\n'}) {
		if len(bytes.TrimSpace(l)) > 0 {
			out = append(out, l)
		}
	}
	return out
}

// ordered is a JSON object that keeps its members' order.
type ordered []kv

type kv struct {
	k string
	v any
}

func (o ordered) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := marshal(m.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshal encodes without HTML escaping.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// decodeOrdered decodes an object keeping its members' order (numbers as written).
func decodeOrdered(b []byte) ordered {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if _, err := d.Token(); err != nil {
		panic(err)
	}
	var o ordered
	for d.More() {
		k, _ := d.Token()
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			panic(err)
		}
		o = append(o, kv{k.(string), v})
	}
	return o
}

func (o ordered) get(k string) string {
	for _, m := range o {
		if m.k == k {
			var s string
			json.Unmarshal(m.v.(json.RawMessage), &s)
			return s
		}
	}
	return ""
}

// isManagement reports a management event (lookup-events returns only those).
func isManagement(rec []byte) bool { return !bytes.Contains(rec, []byte(`"eventCategory":"Data"`)) }

// generate builds the derived fixtures from the canonical records.
func generate(recs [][]byte) map[string][]byte {
	out := map[string][]byte{}
	must := func(b []byte, err error) []byte {
		if err != nil {
			panic(err)
		}
		return b
	}
	line := func(v any) []byte { return append(must(marshal(v)), '\n') }

	out[delivered] = append(append([]byte(`{"Records":[`), bytes.Join(recs, []byte(","))...), "]}"...)

	var arr bytes.Buffer
	if err := json.Indent(&arr, append(append([]byte("["), bytes.Join(recs, []byte(","))...), ']'), "", "  "); err != nil {
		panic(err)
	}
	out[arrayFile] = append(arr.Bytes(), '\n')

	var ls, eb, msg, cw bytes.Buffer
	cw.Write(line(ordered{{"messageType", "CONTROL_MESSAGE"}, {"owner", "CloudwatchLogs"}, {"logGroup", ""}, {"logStream", ""},
		{"subscriptionFilters", []string{}}, {"logEvents", []ordered{{{"id", ""}, {"timestamp", 1714644000000},
			{"message", "CWL CONTROL MESSAGE: Checking health of destination Firehose."}}}}}))
	var logEvents []ordered
	flushCW := func() {
		if len(logEvents) == 0 {
			return
		}
		cw.Write(line(ordered{{"messageType", "DATA_MESSAGE"}, {"owner", "111122223333"},
			{"logGroup", "aws-cloudtrail-logs-111122223333"}, {"logStream", "111122223333_CloudTrail_us-east-1"},
			{"subscriptionFilters", []string{"cloudtrail-to-firehose"}}, {"logEvents", logEvents}}))
		logEvents = nil
	}
	var events []ordered
	for i, r := range recs {
		o := decodeOrdered(r)
		tm := o.get("eventTime")
		ts, err := time.Parse(time.RFC3339, tm)
		if err != nil {
			panic(err)
		}
		stamp := ts.Format("2006-01-02T15:04:05.000Z")

		// Logstash keeps the members and adds its own; every other record lacks eventTime
		lo := ordered{}
		for _, m := range o {
			if m.k == "eventTime" && i%2 == 1 {
				continue
			}
			lo = append(lo, m)
		}
		lo = append(lo, kv{"@version", "1"}, kv{"@timestamp", stamp})
		ls.Write(line(lo))

		src := strings.TrimSuffix(o.get("eventSource"), ".amazonaws.com")
		dt := "AWS API Call via CloudTrail"
		if o.get("eventName") == "ConsoleLogin" {
			dt = "AWS Console Sign In via CloudTrail"
		}
		eb.Write(line(ordered{{"version", "0"}, {"id", fmt.Sprintf("6a7e8feb-b491-4cf7-a9f1-bf3703%06d", i+1)},
			{"detail-type", dt}, {"source", "aws." + src}, {"account", o.get("recipientAccountId")}, {"time", tm},
			{"region", o.get("awsRegion")}, {"resources", []string{}}, {"detail", json.RawMessage(r)}}))

		switch i % 3 {
		case 0: // Logstash with the event in message
			msg.Write(line(ordered{{"@timestamp", stamp}, {"@version", "1"}, {"host", "collector-1"}, {"type", "cloudtrail"},
				{"message", string(r)}}))
		case 1: // Splunk's search export
			msg.Write(line(ordered{{"preview", false}, {"result", ordered{{"_raw", string(r)}, {"_time", stamp},
				{"host", "splunk-hf-1"}, {"source", "aws_cloudtrail"}, {"sourcetype", "aws:cloudtrail"}}}}))
		case 2: // a record in _raw
			msg.Write(line(ordered{{"_raw", string(r)}, {"index", "aws"}, {"sourcetype", "aws:cloudtrail"}}))
		}

		logEvents = append(logEvents, ordered{{"id", fmt.Sprintf("3785%032d", i+1)}, {"timestamp", ts.UnixMilli()},
			{"message", string(r)}})
		if len(logEvents) == 8 {
			flushCW()
		}

		if isManagement(r) {
			events = append(events, ordered{{"EventId", o.get("eventID")}, {"EventName", o.get("eventName")},
				{"ReadOnly", fmt.Sprint(bytes.Contains(r, []byte(`"readOnly":true`)))}, {"EventTime", ts.Format("2006-01-02T15:04:05+00:00")},
				{"EventSource", o.get("eventSource")}, {"Resources", []string{}}, {"CloudTrailEvent", string(r)}})
		}
	}
	flushCW()
	out[logstash], out[bridge], out[messages], out[cloudwatch] = ls.Bytes(), eb.Bytes(), msg.Bytes(), cw.Bytes()
	var lk bytes.Buffer
	if err := json.Indent(&lk, must(marshal(ordered{{"Events", events}})), "", "    "); err != nil {
		panic(err)
	}
	out[lookupFile] = append(lk.Bytes(), '\n')
	return out
}

// The derived fixtures are what generate makes of the canonical records.
func TestFixtures(t *testing.T) {
	for name, b := range generate(canonicalRecords(t)) {
		p := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		old, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(old, b) {
			t.Errorf("testdata/%s is not what generate makes of %s (go test -run TestFixtures -update)", name, canonical)
		}
	}
}
