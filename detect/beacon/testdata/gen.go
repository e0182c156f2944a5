//go:build ignore

// gen writes the golden-test fixtures of this folder: go run testdata/gen.go testdata
package main

import (
	"fmt"
	"math/rand/v2"
	"os"
)

func main() {
	dir := os.Args[1]
	r := rand.New(rand.NewPCG(42, 42))
	hdr := func(path, fields, types string) string {
		return "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t" + path + "\n#open\t2026-03-02-00-00-00\n#fields\t" + fields + "\n#types\t" + types + "\n"
	}
	conn, _ := os.Create(dir + "/conn.log")
	ssl, _ := os.Create(dir + "/ssl.log")
	http, _ := os.Create(dir + "/http.log")
	fmt.Fprint(conn, hdr("conn", "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents",
		"time\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]"))
	fmt.Fprint(ssl, hdr("ssl", "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\tcipher\tcurve\tserver_name\tresumed\tlast_alert\tnext_protocol\testablished\tssl_history\tcert_chain_fps\tclient_cert_chain_fps\tsni_matches_cert\tvalidation_status",
		"time\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\tstring\tbool\tstring\tstring\tbool\tstring\tvector[string]\tvector[string]\tbool\tstring"))
	fmt.Fprint(http, hdr("http", "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_depth\tmethod\thost\turi\treferrer\tversion\tuser_agent\torigin\trequest_body_len\tresponse_body_len\tstatus_code\tstatus_msg\tinfo_code\tinfo_msg\ttags\tusername\tpassword\tproxied\torig_fuids\torig_filenames\torig_mime_types\tresp_fuids\tresp_filenames\tresp_mime_types",
		"time\tstring\taddr\tport\taddr\tport\tcount\tstring\tstring\tstring\tstring\tstring\tstring\tstring\tcount\tcount\tcount\tstring\tcount\tstring\tset[enum]\tstring\tstring\tset[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]"))
	t0 := 1772409600.0 // 2026-03-02
	uid := 0
	id := func() string { uid++; return fmt.Sprintf("C%016d", uid) }
	type rec struct {
		ts   float64
		line string
		f    *os.File
	}
	var recs []rec
	addConn := func(ts float64, src string, sp int, dst string, dp int, svc string, ob, rb int, state string) string {
		u := id()
		recs = append(recs, rec{ts, fmt.Sprintf("%.6f\t%s\t%s\t%d\t%s\t%d\ttcp\t%s\t%.6f\t%d\t%d\t%s\tT\tF\t0\tShADadFf\t6\t%d\t6\t%d\t(empty)\n", ts, u, src, sp, dst, dp, svc, 0.25, ob, rb, state, ob+240, rb+240), conn})
		return u
	}
	// 1. a TLS beacon to a C2 name over 6 CDN addresses, every 60 s +-20 %, 3 hours
	ts := t0 + 3600
	for i := 0; i < 180; i++ {
		dst := fmt.Sprintf("104.18.%d.7", i%6)
		u := addConn(ts, "10.0.0.5", 50000+i, dst, 443, "ssl", 480, 1500, "SF")
		recs = append(recs, rec{ts, fmt.Sprintf("%.6f\t%s\t10.0.0.5\t%d\t%s\t443\tTLSv12\tTLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\tx25519\tsync.cdn-c2.example\tF\t-\th2\tT\tCsiI\t(empty)\t(empty)\t-\tok\n", ts, u, 50000+i, dst), ssl})
		ts += 60 * (0.8 + 0.4*r.Float64())
	}
	// 2. an HTTP beacon through a proxy (CONNECT), every 5 minutes, 8 hours
	ts = t0 + 1800
	for i := 0; i < 96; i++ {
		u := addConn(ts, "10.0.0.21", 40000+i, "10.0.0.3", 3128, "http", 300, 900, "SF")
		recs = append(recs, rec{ts, fmt.Sprintf("%.6f\t%s\t10.0.0.21\t%d\t10.0.0.3\t3128\t1\tCONNECT\t-\tpoll.bad-example.org:443\t-\t1.1\tMozilla/5.0\t-\t0\t0\t200\tConnection established\t-\t-\t(empty)\t-\t-\t-\t-\t-\t-\t-\t-\t-\n", ts, u, 40000+i), http})
		ts += 300 * (0.95 + 0.1*r.Float64())
	}
	// 3. browsing from the same hosts: visits at random times, a few connections each
	for s := 0; s < 30; s++ {
		ts = t0
		for v := 0; v < 8; v++ {
			ts += r.ExpFloat64() * 3600
			for k := 0; k < 1+r.IntN(4); k++ {
				addConn(ts+float64(k)*0.3, "10.0.0.5", 30000+r.IntN(20000), fmt.Sprintf("93.184.%d.%d", s, 10+k), 443, "ssl", 300+r.IntN(3000), 2000+r.IntN(90000), "SF")
			}
		}
	}
	// 4. a burst: 60 regular calls in 12 seconds, then nothing
	for i := 0; i < 60; i++ {
		addConn(t0+7200+float64(i)*0.2, "10.0.0.9", 20000+i, "198.51.100.77", 443, "ssl", 700, 5000, "SF")
	}
	// 5. a dead C2 the implant keeps trying: failed attempts every 2 minutes
	ts = t0 + 600
	for i := 0; i < 120; i++ {
		addConn(ts, "10.0.0.33", 45000+i, "203.0.113.66", 8443, "-", 0, 0, "S0")
		ts += 120 * (0.9 + 0.2*r.Float64())
	}
	// write each log in time order
	for _, f := range []*os.File{conn, ssl, http} {
		var mine []rec
		for _, x := range recs {
			if x.f == f {
				mine = append(mine, x)
			}
		}
		for i := 1; i < len(mine); i++ {
			for j := i; j > 0 && mine[j].ts < mine[j-1].ts; j-- {
				mine[j], mine[j-1] = mine[j-1], mine[j]
			}
		}
		for _, x := range mine {
			fmt.Fprint(f, x.line)
		}
		fmt.Fprint(f, "#close\t2026-03-03-00-00-00\n")
		f.Close()
	}
}
