package pcap

import (
	"bytes"

	"github.com/sluice-hunt/sluice/filetype"
)

// mimeByName are the MIME types Zeek's file signatures give the types filetype recognises.
var mimeByName = map[string]string{
	"zip": "application/zip", "7z": "application/x-7z-compressed", "rar": "application/x-rar",
	"rar5": "application/x-rar", "gzip": "application/x-gzip", "bzip2": "application/x-bzip2",
	"xz": "application/x-xz", "zstd": "application/zstd", "tar": "application/x-tar",
	"cab": "application/vnd.ms-cab-compressed", "png": "image/png", "jpeg": "image/jpeg",
	"gif": "image/gif", "pdf": "application/pdf", "ooxml": "application/vnd.openxmlformats-officedocument",
	"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	"jar":  "application/java-archive", "lzip": "application/x-lzip", "lz4": "application/x-lz4",
}

// mimeOf names the type of content from its first bytes, as Zeek's file analysis would: ""
// when the bytes say nothing.
func mimeOf(head []byte) string {
	if len(head) == 0 {
		return ""
	}
	if t, ok := filetype.Sniff(head); ok && t.Encoding == "" {
		if m := mimeByName[t.Name]; m != "" {
			return m
		}
	}
	trimmed := bytes.TrimLeft(head, " \t\r\n\xef\xbb\xbf")
	switch {
	case hasPrefixFold(trimmed, "<!DOCTYPE html") || hasPrefixFold(trimmed, "<html"):
		return "text/html"
	case hasPrefixFold(trimmed, "<?xml"):
		return "text/xml"
	case bytes.HasPrefix(head, []byte("MZ")):
		return "application/x-dosexec"
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return "application/x-executable"
	}
	for _, c := range head {
		if c < 0x20 && c != '\t' && c != '\r' && c != '\n' || c == 0x7f {
			return ""
		}
	}
	return "text/plain"
}
