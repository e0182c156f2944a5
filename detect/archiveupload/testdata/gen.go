//go:build ignore

// gen writes the Splunk Stream HTTP fixtures of this folder (stream/*.json), one event a line
// with the fields Splunk Stream's HTTP protocol documents:
//
//	go run testdata/gen.go testdata/stream
//
// archive-groups.json: seed 000's case and its boundary. 21 identical POSTs of a zip body from
// 10.20.0.5 to files.cdn-example.net (one group of the seed's stats: more than 20, fires) and
// 20 identical POSTs from 10.20.0.6 to backup.cdn-example.org (20: silent). Bodies are small
// (30,000 bytes), so that only the count rules can fire.
// renamed-jpg.json: one multipart upload of a zip under the name IMG_0042.jpg (fires).
// image-upload.json: a normal multipart upload of a JPEG photo and a text field (silent).
// recon-post.json: a TrickBot-style multipart POST of a process list (recon-http-post).
// export-shapes.json: the renamed upload again from another host, once as a Splunk search
// export ({"result": {...}}) and once with the event in _raw.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

type event map[string]any

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func base(i int, src string, sport int, dst, site, method, path, query, ua, body, ctype string, in, out, status int) event {
	ts := t0.Add(time.Duration(i) * 37 * time.Second)
	url := "http://" + site + path
	uri := path
	if query != "" {
		url += "?" + query
		uri += "?" + query
	}
	e := event{
		"timestamp":         ts.Format("2006-01-02T15:04:05.000000Z"),
		"endtime":           ts.Add(180 * time.Millisecond).Format("2006-01-02T15:04:05.000000Z"),
		"src_ip":            src,
		"src_port":          sport,
		"dest_ip":           dst,
		"dest_port":         80,
		"transport":         "tcp",
		"protocol_stack":    "ip:tcp:http",
		"http_method":       method,
		"http_user_agent":   ua,
		"site":              site,
		"uri":               uri,
		"uri_path":          path,
		"url":               url,
		"status":            status,
		"bytes_in":          in,
		"bytes_out":         out,
		"bytes":             in + out,
		"time_taken":        180000,
		"http_content_type": "text/html",
	}
	if query != "" {
		e["uri_query"] = query
	}
	if body != "" {
		e["form_data"] = body
		e["cs_content_type"] = ctype
		e["http_content_length"] = len(body)
	}
	return e
}

// zipHead is the start of a zip archive: a local file header for name (sizes left zero) and
// some deflated-looking bytes.
func zipHead(name string) string {
	h := "PK\x03\x04\x14\x00\x08\x00\x08\x00\x00\x00!\x00" + strings.Repeat("\x00", 12)
	h += string(rune(len(name))) + "\x00\x00\x00" + name
	return h + "\x15\x8b\x31\x0e\x83\x30"
}

func write(dir, name string, lines []any) {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		panic(err)
	}
	defer f.Close()
	enc := json.NewEncoder(f)
	enc.SetEscapeHTML(false)
	for _, l := range lines {
		if err := enc.Encode(l); err != nil {
			panic(err)
		}
	}
}

func main() {
	dir := os.Args[1]
	const tool = "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0)"
	const chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36"

	var groups []any
	for i := 0; i < 21; i++ {
		groups = append(groups, base(i, "10.20.0.5", 50100+i, "203.0.113.50", "files.cdn-example.net", "POST", "/upload.php", "",
			tool, zipHead("screen.dat"), "application/octet-stream", 30000, 312, 200))
	}
	for i := 0; i < 20; i++ {
		groups = append(groups, base(100+i, "10.20.0.6", 50300+i, "203.0.113.60", "backup.cdn-example.org", "POST", "/store", "",
			tool, zipHead("notes.dat"), "application/octet-stream", 30000, 298, 200))
	}
	write(dir, "archive-groups.json", groups)

	b := "----WebKitFormBoundaryq3Xz7RkT2mNp9LcV"
	renamed := "--" + b + "\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nbeach\r\n" +
		"--" + b + "\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"IMG_0042.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n" +
		zipHead("passwords.xlsx")
	write(dir, "renamed-jpg.json", []any{base(300, "10.20.0.7", 51000, "198.51.100.44", "photos.share-example.com", "POST", "/api/upload", "album=7",
		chrome, renamed, "multipart/form-data; boundary="+b, 245118, 421, 201)})

	jpeg := "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x01\x00H\x00H\x00\x00"
	image := "--" + b + "\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nsunset\r\n" +
		"--" + b + "\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"IMG_0043.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n" + jpeg
	write(dir, "image-upload.json", []any{base(310, "10.20.0.8", 51100, "198.51.100.44", "photos.share-example.com", "POST", "/api/upload", "album=7",
		chrome, image, "multipart/form-data; boundary="+b, 1843211, 398, 201)})

	tb := "------Boundary" + fmt.Sprint(7391)
	recon := "--" + tb + "\r\nContent-Disposition: form-data; name=\"proclist\"\r\n\r\n***PROCESS LIST***\r\nSystem\r\nsmss.exe\r\ncsrss.exe\r\nwininit.exe\r\nsvchost.exe\r\n" +
		"--" + tb + "\r\nContent-Disposition: form-data; name=\"sysinfo\"\r\n\r\n***SYSTEMINFO***\r\nOS Version - Windows 10\r\n--" + tb + "--\r\n"
	write(dir, "recon-post.json", []any{base(400, "10.20.0.9", 52000, "198.51.100.99", "198.51.100.99", "POST", "/mor3/WIN10X64_A1B2C3/90", "",
		"Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1)", recon, "multipart/form-data; boundary="+tb, 2210, 180, 200)})

	again := base(500, "10.20.0.10", 53000, "198.51.100.44", "photos.share-example.com", "POST", "/api/upload", "album=9",
		chrome, renamed, "multipart/form-data; boundary="+b, 245118, 421, 201)
	raw, _ := json.Marshal(again)
	strs := event{}
	for k, v := range again {
		strs[k] = fmt.Sprint(v) // a search export holds every value as a string
	}
	strs["_time"] = "2026-03-02T14:08:20.000+00:00"
	strs["sourcetype"] = "stream:http"
	write(dir, "export-shapes.json", []any{
		map[string]any{"preview": false, "result": strs},
		map[string]any{"_time": "2026-03-02T14:08:20.000+00:00", "sourcetype": "stream:http", "host": "stream-fwd-01", "_raw": string(raw)},
	})
}
