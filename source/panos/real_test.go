package panos

import (
	"bufio"
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sluice-hunt/sluice/event"
)

// The real sample: 1,000 lines of PAN-OS 6.0 syslog from two firewalls (serials 0008C101802
// and 0008C101809), collected by Kiwi Syslog, as Splunk's attack_data keeps them
// (panos-traffic/unusual_volume_data_download.txt). Of the 1,000 lines, 219 are copies of
// records delivered twice (the same serial, type and sequence number, up to 20 lines apart),
// 3 are session starts; the 778 others are read. No line is left unexplained.
func TestRealKiwi(t *testing.T) {
	path := filepath.Join(dataset(t, "panos-traffic"), "unusual_volume_data_download.txt")
	var c collector
	st := readFile(t, path, 0, &c)
	if st.TotalSkipped() != 0 {
		t.Fatalf("skipped %v:\n%s", st.Skipped, problems(st))
	}
	wantRead := map[string]int64{"panos-traffic": 640 + 78 + 53, "panos-url": 1, "panos-threat": 6}
	wantIgn := map[string]int64{"panos-traffic-start": 3, "panos-duplicate": 219}
	if !maps.Equal(st.Read, wantRead) || !maps.Equal(st.Ignored, wantIgn) {
		t.Fatalf("read %v ignored %v; want %v and %v", st.Read, st.Ignored, wantRead, wantIgn)
	}
	var total int64
	for _, m := range []map[string]int64{st.Read, st.Ignored, st.Skipped} {
		for _, n := range m {
			total += n
		}
	}
	if lines := countLines(t, path); total != lines || lines != 1000 {
		t.Errorf("%d records accounted for, %d lines", total, lines)
	}
	if len(c.conns) != 771 || len(c.https) != 1 || len(c.notes) != 6 || len(c.files) != 0 {
		t.Errorf("%d conns, %d http, %d files, %d notices", len(c.conns), len(c.https), len(c.files), len(c.notes))
	}

	// Each session once: the sums of bytes and packets both ways are those of the distinct
	// end, drop and deny records (with the copies they would be 1,526,690 and 5,482,204 bytes).
	var sent, recv, ps, pr int64
	actions := map[string]int{}
	for _, e := range c.conns {
		sent += e.OrigBytes
		recv += e.RespBytes
		ps += e.OrigPkts
		pr += e.RespPkts
		actions[e.Action]++
		if e.OrigIPBytes != e.OrigBytes || e.RespIPBytes != e.RespBytes || !e.Src.IsValid() || !e.Dst.IsValid() {
			t.Fatalf("%+v", e)
		}
	}
	if sent != 1059243 || recv != 3260231 || ps != 6394 || pr != 6134 {
		t.Errorf("bytes %d/%d packets %d/%d", sent, recv, ps, pr)
	}
	if actions["allow"] != 640 || actions["deny"] != 131 {
		t.Errorf("actions %v", actions)
	}

	// a few records, field by field
	byLine := map[uint32]string{}
	for _, s := range c.sums() {
		var l uint32
		for _, ch := range s[1:] {
			if ch < '0' || ch > '9' {
				break
			}
			l = l*10 + uint32(ch-'0')
		}
		byLine[l] = s
	}
	for line, want := range map[uint32]string{
		// TRAFFIC drop: no session, not-applicable, a policy deny
		1: `L1 2014-11-08T23:52:52 10.137.8.23:59219>10.138.32.32:7443 tcp "" dur=0s bytes=70/0 ip=70/0 pkts=1/0 state="S0" action=deny rule=Deny_All_i_eCommerce user="" uid="" sensor=0008C101809`,
		// TRAFFIC end, DNS over UDP answered: its start time, 30 s
		3: `L3 2014-11-08T23:52:20 208.80.232.42:52991>10.142.20.5:53 udp "dns" dur=30s bytes=104/156 ip=104/156 pkts=1/1 state="SF" action=allow rule=BP_Swift-2 user="" uid="2539294" sensor=0008C101809`,
		// TRAFFIC end, NetBIOS name queries never answered
		5: `L5 2014-11-08T23:52:17 10.115.16.9:137>10.134.0.6:137 udp "netbios-ns" dur=33s bytes=192/0 ip=192/0 pkts=3/0 state="S0" action=allow rule=PING_NS-Access user="" uid="990228" sensor=0008C101809`,
		// THREAT url of an undecrypted TLS session: the certificate's wildcard name
		900: `L900 2014-11-08T23:53:04 172.31.1.236:32965>74.125.28.95:443 "" host="*.googleapis.com" uri="/" url="*.googleapis.com/" ua="" ref="" mime=[] user="" action=alert uid="3384198"`,
		// THREAT vulnerability
		524: `L524 2014-11-08T23:52:57 10.131.31.10:10825>10.131.16.5:53 PAN-OS::vulnerability msg="Microsoft Windows NAT Helper DNS Query Denial of Service(31339)" sub="" src=10.131.31.10 dst=10.131.16.5 port=53 actions=[alert] uid="737406"`,
	} {
		if got := byLine[line]; got != want {
			t.Errorf("line %d:\n got %s\nwant %s", line, got, want)
		}
	}
	// the SIP notice, from the other firewall's VPN zone
	if i := slices.IndexFunc(c.notes, func(e event.Notice) bool { return e.Msg == "SIP Register Request Attempt(33592)" }); i < 0 {
		t.Error("no SIP notice")
	}

	// counted the same when no detection reads the kinds, without an event
	all := event.KindSet(0).With(event.KindConn).With(event.KindHTTP).With(event.KindFile).With(event.KindNotice)
	var none collector
	sk := readFile(t, path, all, &none)
	if none.total() != 0 || !maps.Equal(sk.Read, st.Read) || !maps.Equal(sk.Ignored, st.Ignored) {
		t.Errorf("skipping every kind: %d events, read %v ignored %v", none.total(), sk.Read, sk.Ignored)
	}

	// in blocks of 4 KiB (jobs of about ten lines), the copies are still found
	old := blockSize
	blockSize = 4096
	defer func() { blockSize = old }()
	var small collector
	ss := readFile(t, path, 0, &small)
	if !maps.Equal(ss.Read, st.Read) || !maps.Equal(ss.Ignored, st.Ignored) || !slices.Equal(small.sums(), c.sums()) {
		t.Errorf("in small blocks: read %v ignored %v", ss.Read, ss.Ignored)
	}
}

func countLines(t *testing.T, path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var n int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			n++
		}
	}
	return n
}
