package jsonl

import (
	"errors"
	"testing"

	"github.com/sluice-hunt/sluice/event"
)

func TestParseInt(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "42": 42, "-7": -7, "+3": 3, "42.0": 42, "42.": 42, "1e3": 1000, "2.5e1": 25, "9223372036854775799": 9223372036854775799,
	} {
		got, err := ParseInt([]byte(in))
		if err != nil || got != want {
			t.Errorf("ParseInt(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-", "+", "1.5", "abc", "12x", "1e400", " 1", "0x10"} {
		if _, err := ParseInt([]byte(bad)); !errors.Is(err, ErrNumber) {
			t.Errorf("ParseInt(%q) = %v, want ErrNumber", bad, err)
		}
	}
	if _, err := ParseInt([]byte("99999999999999999999")); !errors.Is(err, ErrRange) {
		t.Errorf("huge number: %v", err)
	}
	if _, err := ParsePort([]byte("65536")); !errors.Is(err, ErrRange) {
		t.Errorf("port 65536: %v", err)
	}
	if p, err := ParsePort([]byte("443")); p != 443 || err != nil {
		t.Errorf("port 443: %d %v", p, err)
	}
}

func TestParseMicros(t *testing.T) {
	for in, want := range map[string]int64{
		"1588205199.824370": 1588205199824370, "1588205199.82437": 1588205199824370, "0.0008699893951416016": 870,
		"1": 1000000, "0.0000005": 1, "0.0000004": 0, "1.5e-05": 15, "-1.5": -1500000, "2230.0": 2230000000,
	} {
		got, err := ParseMicros([]byte(in))
		if err != nil || got != want {
			t.Errorf("ParseMicros(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", ".", "-", "1.2.3", "abc", "1e400"} {
		if _, err := ParseMicros([]byte(bad)); err == nil {
			t.Errorf("ParseMicros(%q) accepted", bad)
		}
	}
}

func TestParseTime(t *testing.T) {
	const want = event.Time(1619028751123456) // 2021-04-21T18:12:31.123456Z
	for _, in := range []string{
		"1619028751.123456",
		"1619028751.1234564",
		"2021-04-21T18:12:31.123456Z",
		"2021-04-21T18:12:31.1234561Z",
		"2021-04-21T20:12:31.123456+02:00",
		"2021-04-21T18:12:31.123456+0000",
		"2021-04-21 18:12:31.123456Z",
		"2021-04-21 18:12:31.123456+00:00",
	} {
		got, err := ParseTime([]byte(in))
		if err != nil || got != want {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if got, err := ParseTime([]byte("2021-04-21T18:12:31.000+00:00")); err != nil || got != 1619028751000000 {
		t.Errorf("Splunk _time: %v %v", got, err)
	}
	for _, bad := range []string{"", "12x", "2021-04-21T18:12:31", "2021-13-01T00:00:00Z", "yesterday"} {
		if _, err := ParseTime([]byte(bad)); err == nil {
			t.Errorf("ParseTime(%q) accepted", bad)
		}
	}
}

func TestParseAddr(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.1": "10.0.0.1", "255.255.255.255": "255.255.255.255", "0.0.0.0": "0.0.0.0",
		"2001:db8::1": "2001:db8::1", "::ffff:10.0.0.1": "::ffff:10.0.0.1", "fe80::1%eth0": "fe80::1%eth0",
	} {
		a, err := ParseAddr([]byte(in))
		if err != nil || a.String() != want {
			t.Errorf("ParseAddr(%q) = %v, %v", in, a, err)
		}
	}
	for _, bad := range []string{"", "10.0.0.300", "10.0.0", "010.0.0.1", "10.0.0.1.", "host", "10.0.0.1:80"} {
		if _, err := ParseAddr([]byte(bad)); err == nil {
			t.Errorf("ParseAddr(%q) accepted", bad)
		}
	}
}

func TestHasKey(t *testing.T) {
	for _, c := range []struct {
		text, name string
		want       bool
	}{
		{`{"AuditData" : "x"}`, "AuditData", true},
		{`{"xAuditData":1,"AuditData":2}`, "AuditData", true},
		{`{"value":"AuditData"}`, "AuditData", false},
		{`{"AuditDataX":1}`, "AuditData", false},
		{`AuditData":`, "AuditData", false},
		{``, "a", false},
	} {
		if got := HasKey([]byte(c.text), c.name); got != c.want {
			t.Errorf("HasKey(%q, %q) = %v", c.text, c.name, got)
		}
	}
}
