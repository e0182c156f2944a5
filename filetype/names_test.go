package filetype

import (
	"strings"
	"testing"
)

// zeekMIME are the file-mime values of Zeek's signatures
// (scripts/base/frameworks/files/magic/{archive,office,java,libmagic,image}.sig) for
// the formats this package knows, and the names they must map to.
var zeekMIME = map[string]string{
	"application/zip":                               "zip",
	"application/x-7z-compressed":                   "7z",
	"application/x-rar":                             "rar",
	"application/x-gzip":                            "gzip",
	"application/x-bzip2":                           "bzip2",
	"application/x-xz":                              "xz",
	"application/x-tar":                             "tar",
	"application/vnd.ms-cab-compressed":             "cab",
	"application/x-lzip":                            "lzip",
	"application/x-lzh":                             "lzh",
	"application/x-lha":                             "lzh",
	"application/x-arj":                             "arj",
	"application/x-cpio":                            "cpio",
	"application/x-lz4":                             "lz4",
	"application/x-compress":                        "compress",
	"application/x-ace":                             "ace",
	"application/x-xar":                             "xar",
	"application/x-zoo":                             "zoo",
	"application/x-stuffit":                         "stuffit",
	"application/x-lrzip":                           "lrzip",
	"application/x-lzma":                            "lzma",
	"application/x-dmg":                             "dmg",
	"application/x-arc":                             "arc",
	"application/x-rpm":                             "rpm",
	"application/x-debian-package":                  "deb",
	"application/java-archive":                      "jar",
	"application/epub+zip":                          "epub",
	"application/vnd.openxmlformats-officedocument": "ooxml",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   "docx",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         "xlsx",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
	"application/vnd.oasis.opendocument.text":                                   "odt",
	"application/vnd.oasis.opendocument.text-template":                          "odt",
	"application/vnd.oasis.opendocument.text-web":                               "odt",
	"application/vnd.oasis.opendocument.text-master":                            "odt",
	"application/vnd.oasis.opendocument.spreadsheet":                            "ods",
	"application/vnd.oasis.opendocument.spreadsheet-template":                   "ods",
	"application/vnd.oasis.opendocument.presentation":                           "odp",
	"application/vnd.oasis.opendocument.presentation-template":                  "odp",
	"application/vnd.oasis.opendocument.graphics":                               "odg",
	"application/vnd.oasis.opendocument.graphics-template":                      "odg",
	"application/vnd.oasis.opendocument.chart":                                  "odf",
	"application/vnd.oasis.opendocument.chart-template":                         "odf",
	"application/vnd.oasis.opendocument.formula":                                "odf",
	"application/vnd.oasis.opendocument.formula-template":                       "odf",
	"application/vnd.oasis.opendocument.database":                               "odf",
	"application/vnd.oasis.opendocument.image":                                  "odf",
	"application/vnd.oasis.opendocument.image-template":                         "odf",
	"image/png":       "png",
	"image/jpeg":      "jpeg",
	"image/gif":       "gif",
	"application/pdf": "pdf",
}

func TestFromMIME(t *testing.T) {
	for mime, want := range zeekMIME {
		if got, ok := FromMIME(mime); !ok || got.Name != want {
			t.Errorf("FromMIME(%q) = %+v, %v; want %s", mime, got, ok, want)
		}
	}
	cases := []struct{ in, want string }{
		// Content-Type headers and IANA registrations.
		{"application/vnd.rar", "rar"},
		{"application/x-rar-compressed", "rar"},
		{"application/gzip", "gzip"},
		{"application/zstd", "zstd"},
		{"application/x-zip-compressed", "zip"},
		{"application/x-gtar", "tar"},
		{"application/vnd.android.package-archive", "apk"},
		// Case, parameters and spaces.
		{"Application/ZIP", "zip"},
		{"application/zip; charset=binary", "zip"},
		{"  application/x-7z-compressed ;name=a.7z", "7z"},
		{"APPLICATION/VND.OPENXMLFORMATS-OFFICEDOCUMENT.SPREADSHEETML.SHEET", "xlsx"},
		// Not known.
		{"", ""},
		{"text/plain", ""},
		{"application/octet-stream", ""},
		{"application/zipx", ""},
		{"application/zip,text/plain", ""},
		{strings.Repeat("a", 200), ""},
	}
	for _, c := range cases {
		got, ok := FromMIME(c.in)
		if ok != (c.want != "") || got.Name != c.want {
			t.Errorf("FromMIME(%q) = %+v, %v; want %q", c.in, got, ok, c.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { FromMIME("Application/X-7z-Compressed; x=y") }); n != 0 {
		t.Errorf("FromMIME: %v allocations", n)
	}
}

// TestTables: every type's Exts are lower case, without dot, and FromName finds a type
// for each; every Archive type has extensions.
func TestTables(t *testing.T) {
	names := map[string]bool{}
	for _, ty := range allTypes {
		if names[ty.Name] {
			t.Errorf("type %s twice", ty.Name)
		}
		names[ty.Name] = true
		if len(ty.Exts) == 0 {
			t.Errorf("%s has no extensions", ty.Name)
		}
		for _, e := range ty.Exts {
			if e != strings.ToLower(e) || strings.Contains(e, ".") {
				t.Errorf("%s: bad extension %q", ty.Name, e)
			}
			if _, ok := FromName("x." + e); !ok {
				t.Errorf("FromName(x.%s) unknown", e)
			}
		}
	}
	for m, ty := range mimeTypes {
		if m != strings.ToLower(m) {
			t.Errorf("MIME key %q not lower case", m)
		}
		if !names[ty.Name] {
			t.Errorf("MIME %q maps to a type outside allTypes", m)
		}
	}
}

func TestFromName(t *testing.T) {
	cases := []struct{ in, want string }{
		{"a.zip", "zip"},
		{"A.ZIP", "zip"},
		{"backup.7z", "7z"},
		{"x.rar", "rar"},
		{"x.tar", "tar"},
		{"x.tar.gz", "gzip"},
		{"x.tgz", "gzip"},
		{"x.gz", "gzip"},
		{"x.tar.bz2", "bzip2"},
		{"x.bz2", "bzip2"},
		{"x.xz", "xz"},
		{"x.zst", "zstd"},
		{"x.cab", "cab"},
		{"x.lz", "lzip"},
		{"x.lzh", "lzh"},
		{"x.arj", "arj"},
		{"x.docx", "docx"},
		{"x.XLSX", "xlsx"},
		{"x.pptm", "pptx"},
		{"x.odt", "odt"},
		{"x.jar", "jar"},
		{"photo.jpg", "jpeg"},
		{"photo.JPEG", "jpeg"},
		{"doc.pdf", "pdf"},
		{`C:\Users\alice\Desktop\loot.7z`, "7z"},
		{"/tmp/out/loot.rar", "rar"},
		{"loot.zip.", "zip"},
		{"loot.zip  ", "zip"},
		{"loot.z01", "zip"},
		{"loot.r00", "rar"},
		{"loot.7z.001", "7z"},
		{"loot.zip.002", "zip"},
		{"noext", ""},
		{"", ""},
		{"dir.zip/file", ""},
		{"x.", ""},
		{"x.001", ""},
		{"x.txt", ""},
		{"x.z0", ""},
	}
	for _, c := range cases {
		got, ok := FromName(c.in)
		if ok != (c.want != "") || got.Name != c.want {
			t.Errorf("FromName(%q) = %+v, %v; want %q", c.in, got, ok, c.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { FromName(`C:\x\Loot.TAR.GZ`) }); n != 0 {
		t.Errorf("FromName: %v allocations", n)
	}
}

func TestRenamed(t *testing.T) {
	typ := func(name string) Type {
		for _, ty := range allTypes {
			if ty.Name == name {
				return *ty
			}
		}
		t.Fatalf("no type %s", name)
		return Type{}
	}
	cases := []struct {
		name, typ string
		want      bool
	}{
		{"holiday.jpg", "zip", true},
		{"report.pdf", "7z", true},
		{"notes.txt", "rar5", true},
		{"data.dat", "zip", true},
		{"x.tar", "gzip", true},
		{"report.docx", "zip", true}, // a plain zip dressed as a document
		{"sheet.xlsx", "7z", true},
		{"a.zip", "zip", false},
		{"A.ZIP", "zip", false},
		{"a.zipx", "zip", false},
		{"a", "zip", false},
		{"", "zip", false},
		{"blob", "7z", false},
		{"a.zip.", "zip", false},
		{"x.part1.rar", "rar5", false},
		{"x.rar", "rar", false},
		{"x.r00", "rar", false},
		{"x.z01", "zip", false},
		{"x.zip.001", "zip", false},
		{"x.7z.001", "7z", false},
		{"x.tgz", "gzip", false},
		{"x.tar.gz", "gzip", false},
		{"drawing.svgz", "gzip", false},
		{"x.tar.zst", "zstd", false},
		{"x.txz", "xz", false},
		{"x.tbz2", "bzip2", false},
		{"app.jar", "zip", false}, // zip tools build jars too
		{"app.apk", "zip", false},
		{"pkg.whl", "zip", false},
		{"x.jar", "7z", true},
		{`C:\tmp\x.cab`, "cab", false},
		// Not archives: never renamed.
		{"x.jpg", "docx", false},
		{"x.zip", "jpeg", false},
		{"x.jpg", "jar", false},
	}
	for _, c := range cases {
		if got := Renamed(c.name, typ(c.typ)); got != c.want {
			t.Errorf("Renamed(%q, %s) = %v, want %v", c.name, c.typ, got, c.want)
		}
	}
}
