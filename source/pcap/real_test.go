package pcap

import (
	"strings"
	"testing"
)

// The real captures of the shared datasets (README there): what their documentation and tshark
// say is in them.

func TestRealAgentTeslaFTP(t *testing.T) {
	s, st, err := readBytes(t, "ftp.pcap", realCapture(t, "agenttesla-pcap/Traces__f9421792-7d2c-47d3-90e0-07eb54ae12fa.pcap"), DefaultOptions())
	if err != nil || len(st.Skipped) > 0 || len(st.Problems) > 0 {
		t.Fatal(err, st.Skipped, st.Problems)
	}
	var stor int
	for _, f := range s.ftps {
		if f.Command != "STOR" {
			continue
		}
		stor++
		if f.Arg != "PW_admin-USER-PC_2024_03_07_19_00_36.html" || f.Dst.String() != "143.95.79.226" || f.DstPort != 21 ||
			f.User != "husband@elquijotebanquetes.com" || f.ReplyCode != 226 || f.FileSize <= 0 || f.DataDstPort != 44523 || !f.DataPassive {
			t.Errorf("STOR %+v", f)
		}
	}
	if stor != 1 {
		t.Errorf("%d STOR records, want 1", stor)
	}
	if len(s.files) != 1 || s.files[0].Source != "FTP_DATA" || s.files[0].TxHosts[0] != "192.168.100.164" || s.files[0].SeenBytes <= 0 {
		t.Errorf("files %+v", s.files)
	}
	tcp := 0
	for _, c := range s.conns {
		if c.Proto == "tcp" {
			tcp++
		}
		if c.DstPort == 44523 && c.Service != "ftp-data" || c.DstPort == 21 && c.Service != "ftp" {
			t.Errorf("conn %+v", c)
		}
	}
	if tcp != 8 { // tshark -z conv,tcp: 8 conversations
		t.Errorf("%d tcp connections, want 8", tcp)
	}
}

func TestRealAgentTeslaHTTPPost(t *testing.T) {
	s, st, err := readBytes(t, "http.pcap", realCapture(t, "agenttesla-pcap/Traces__0e328ab7-12b2-4843-8717-a5b3ebef33a8.pcap"), DefaultOptions())
	if err != nil || len(st.Skipped) > 0 || len(st.Problems) > 0 {
		t.Fatal(err, st.Skipped, st.Problems)
	}
	var posts int
	for _, h := range s.https {
		if h.Method != "POST" {
			continue
		}
		posts++
		if h.Host != "originwealth.ydns.eu" || h.URI != "/sew/inc/10a5031d37bc79.php" || h.Dst.String() != "78.41.139.12" ||
			h.RequestBodyLen != 460 || !strings.HasPrefix(h.Body, "p=r8VPEPG%2BIsO5/Zrs%2Bhcie") || len(h.Body) != 460 ||
			h.ContentType != "application/x-www-form-urlencoded" || h.StatusCode != 200 {
			t.Errorf("POST %+v", h)
		}
	}
	if posts != 1 || len(s.https) != 6 { // tshark: 5 GETs to OCSP/CRL servers and the POST (M-SEARCH is over UDP)
		t.Errorf("%d POSTs of %d requests, want 1 of 6", posts, len(s.https))
	}
	tlsWithSNI := 0
	for _, e := range s.tlss {
		if e.ServerName != "" && e.JA4 != "" && e.Version != "" {
			tlsWithSNI++
		}
	}
	if tlsWithSNI != 21 { // tshark: 21 ClientHellos, each with SNI
		t.Errorf("%d TLS sessions with SNI, JA4 and version, want 21", tlsWithSNI)
	}
}

func TestRealCalderaSandcat(t *testing.T) {
	s, st, err := readBytes(t, "sandcat.pcap", realCapture(t, "caldera-pcap/Traces__sandcat.pcap"), DefaultOptions())
	if err != nil || len(st.Skipped) > 0 || len(st.Problems) > 0 {
		t.Fatal(err, st.Skipped, st.Problems)
	}
	beacons := 0
	for _, h := range s.https {
		if h.Method == "POST" && h.URI == "/beacon" && h.UserAgent == "Go-http-client/1.1" && h.Dst.String() == "172.18.0.2" && h.DstPort == 8888 {
			beacons++
		}
	}
	if beacons != 58 || len(s.https) != 59 {
		t.Errorf("%d POST /beacon of %d requests, want 58 of 59", beacons, len(s.https))
	}
}

func TestRealCalderaManx(t *testing.T) {
	s, _, err := readBytes(t, "manx.pcap", realCapture(t, "caldera-pcap/Traces__manx-tcp.pcap"), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range s.conns {
		if c.DstPort == 7010 && c.Duration.Seconds() > 700 {
			found = true
			if c.Service != "" || c.OrigBytes <= 0 || c.RespBytes <= 0 {
				t.Errorf("manx C2 %+v", c)
			}
		}
	}
	if !found {
		t.Errorf("no long connection to port 7010 in %+v", s.conns)
	}
}
