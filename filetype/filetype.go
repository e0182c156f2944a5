package filetype

import (
	"strings"
	"unsafe"
)

// Type is a file type recognised from content (Sniff), a MIME type (FromMIME) or a file name
// (FromName). Values come from the package's tables: compare them by Name and do not modify
// Exts.
type Type struct {
	// Name is the short name of the format: one of the names listed in the package doc.
	Name string
	// Archive is true for archives and compressed streams, the formats that stage files for
	// exfiltration; false for zip-based documents and packages (OOXML, ODF, EPUB, JAR, APK),
	// Linux packages (RPM, deb) and the few non-archive formats the package knows (PNG, JPEG,
	// GIF, PDF).
	Archive bool
	// Exts are the file name extensions the format usually has, lower case without the dot,
	// the usual one first.
	Exts []string
	// Encoding says how Sniff found the content encoded: "" raw, EncBase64, EncPercent or
	// EncPercentBase64. FromMIME and FromName leave it empty.
	Encoding string
}

// Encodings Sniff reports in Type.Encoding.
const (
	// EncBase64: the bytes are base64 (RFC 4648, standard or URL alphabet, line breaks allowed)
	// of the content, bare or in a data: URL (RFC 2397).
	EncBase64 = "base64"
	// EncPercent: the bytes are percent-encoded content, as a value of an
	// application/x-www-form-urlencoded body ("+" for space).
	EncPercent = "percent"
	// EncPercentBase64: percent-encoded base64 of the content.
	EncPercentBase64 = "percent+base64"
)

// The types. Archive first, then zip-based documents and packages, then the rest.
var (
	typeZip      = Type{Name: "zip", Archive: true, Exts: []string{"zip", "zipx"}}
	type7z       = Type{Name: "7z", Archive: true, Exts: []string{"7z"}}
	typeRar      = Type{Name: "rar", Archive: true, Exts: []string{"rar"}}
	typeRar5     = Type{Name: "rar5", Archive: true, Exts: []string{"rar"}}
	typeGzip     = Type{Name: "gzip", Archive: true, Exts: []string{"gz", "tgz", "gzip", "svgz", "emz", "wmz"}}
	typeBzip2    = Type{Name: "bzip2", Archive: true, Exts: []string{"bz2", "tbz2", "tbz", "bz"}}
	typeXz       = Type{Name: "xz", Archive: true, Exts: []string{"xz", "txz"}}
	typeZstd     = Type{Name: "zstd", Archive: true, Exts: []string{"zst", "tzst", "zstd"}}
	typeTar      = Type{Name: "tar", Archive: true, Exts: []string{"tar"}}
	typeCab      = Type{Name: "cab", Archive: true, Exts: []string{"cab"}}
	typeLzip     = Type{Name: "lzip", Archive: true, Exts: []string{"lz", "tlz"}}
	typeLzh      = Type{Name: "lzh", Archive: true, Exts: []string{"lzh", "lha"}}
	typeArj      = Type{Name: "arj", Archive: true, Exts: []string{"arj"}}
	typeCpio     = Type{Name: "cpio", Archive: true, Exts: []string{"cpio"}}
	typeLz4      = Type{Name: "lz4", Archive: true, Exts: []string{"lz4"}}
	typeCompress = Type{Name: "compress", Archive: true, Exts: []string{"z", "taz"}}
	typeAce      = Type{Name: "ace", Archive: true, Exts: []string{"ace"}}
	typeXar      = Type{Name: "xar", Archive: true, Exts: []string{"xar", "pkg"}}
	typeZoo      = Type{Name: "zoo", Archive: true, Exts: []string{"zoo"}}
	typeStuffit  = Type{Name: "stuffit", Archive: true, Exts: []string{"sit", "sitx"}}
	typeLrzip    = Type{Name: "lrzip", Archive: true, Exts: []string{"lrz"}}
	// Known by MIME type and name only: no reliable magic at the start.
	typeLzma = Type{Name: "lzma", Archive: true, Exts: []string{"lzma"}}
	typeDmg  = Type{Name: "dmg", Archive: true, Exts: []string{"dmg"}}
	typeArc  = Type{Name: "arc", Archive: true, Exts: []string{"arc"}}

	typeOOXML = Type{Name: "ooxml", Exts: []string{"docx", "xlsx", "pptx", "docm", "dotx", "dotm", "xlsm", "xltx", "xltm", "xlam", "pptm", "potx", "potm", "ppsx", "ppsm", "vsdx"}}
	typeDocx  = Type{Name: "docx", Exts: []string{"docx", "docm", "dotx", "dotm"}}
	typeXlsx  = Type{Name: "xlsx", Exts: []string{"xlsx", "xlsm", "xltx", "xltm", "xlam"}}
	typePptx  = Type{Name: "pptx", Exts: []string{"pptx", "pptm", "potx", "potm", "ppsx", "ppsm"}}
	typeODF   = Type{Name: "odf", Exts: []string{"odf", "odb", "odc", "odi", "odm", "oth"}}
	typeOdt   = Type{Name: "odt", Exts: []string{"odt", "ott"}}
	typeOds   = Type{Name: "ods", Exts: []string{"ods", "ots"}}
	typeOdp   = Type{Name: "odp", Exts: []string{"odp", "otp"}}
	typeOdg   = Type{Name: "odg", Exts: []string{"odg", "otg"}}
	typeEpub  = Type{Name: "epub", Exts: []string{"epub"}}
	typeJar   = Type{Name: "jar", Exts: []string{"jar", "war", "ear"}}
	typeApk   = Type{Name: "apk", Exts: []string{"apk"}}
	typeRpm   = Type{Name: "rpm", Exts: []string{"rpm"}}
	typeDeb   = Type{Name: "deb", Exts: []string{"deb", "udeb"}}

	typePNG  = Type{Name: "png", Exts: []string{"png"}}
	typeJPEG = Type{Name: "jpeg", Exts: []string{"jpg", "jpeg", "jpe", "jfif"}}
	typeGIF  = Type{Name: "gif", Exts: []string{"gif"}}
	typePDF  = Type{Name: "pdf", Exts: []string{"pdf"}}
)

// allTypes lists every type once; FromName's table is built from their Exts, the first type
// claiming an extension keeping it (rar before rar5, lzip's tlz).
var allTypes = []*Type{
	&typeZip, &type7z, &typeRar, &typeRar5, &typeGzip, &typeBzip2, &typeXz, &typeZstd, &typeTar,
	&typeCab, &typeLzip, &typeLzh, &typeArj, &typeCpio, &typeLz4, &typeCompress, &typeAce,
	&typeXar, &typeZoo, &typeStuffit, &typeLrzip, &typeLzma, &typeDmg, &typeArc,
	&typeDocx, &typeXlsx, &typePptx, &typeOOXML, &typeOdt, &typeOds, &typeOdp, &typeOdg,
	&typeODF, &typeEpub, &typeJar, &typeApk, &typeRpm, &typeDeb,
	&typePNG, &typeJPEG, &typeGIF, &typePDF,
}

// mimeTypes maps lower-case MIME types to types. The ones Zeek's file signatures emit
// (scripts/base/frameworks/files/magic/*.sig) are marked "zeek"; the others are the IANA
// registrations and the types browsers, HTTP clients and freedesktop shared-mime-info put in
// Content-Type headers.
var mimeTypes = map[string]*Type{
	"application/zip":                   &typeZip, // zeek
	"application/x-zip-compressed":      &typeZip, // Windows browsers' type for .zip uploads
	"application/x-zip":                 &typeZip,
	"application/zip-compressed":        &typeZip,
	"multipart/x-zip":                   &typeZip,
	"application/x-7z-compressed":       &type7z,   // zeek
	"application/x-rar":                 &typeRar,  // zeek (RAR 4 and 5 alike)
	"application/vnd.rar":               &typeRar,  // IANA
	"application/x-rar-compressed":      &typeRar,  // browsers
	"application/x-gzip":                &typeGzip, // zeek
	"application/gzip":                  &typeGzip, // IANA (RFC 6713)
	"application/x-gunzip":              &typeGzip,
	"application/gzip-compressed":       &typeGzip,
	"application/x-compressed-tar":      &typeGzip, // freedesktop .tar.gz
	"application/x-tgz":                 &typeGzip,
	"application/x-bzip2":               &typeBzip2, // zeek
	"application/x-bzip":                &typeBzip2,
	"application/x-xz":                  &typeXz,   // zeek
	"application/zstd":                  &typeZstd, // IANA (RFC 8878)
	"application/x-zstd":                &typeZstd,
	"application/x-tar":                 &typeTar, // zeek
	"application/x-gtar":                &typeTar,
	"application/x-ustar":               &typeTar,
	"application/vnd.ms-cab-compressed": &typeCab,  // zeek, IANA
	"application/x-lzip":                &typeLzip, // zeek
	"application/x-lzh":                 &typeLzh,  // zeek
	"application/x-lha":                 &typeLzh,  // zeek (LHa self-extracting)
	"application/x-lzh-compressed":      &typeLzh,
	"application/x-arj":                 &typeArj, // zeek
	"application/arj":                   &typeArj,
	"application/x-cpio":                &typeCpio,     // zeek
	"application/x-lz4":                 &typeLz4,      // zeek
	"application/x-compress":            &typeCompress, // zeek
	"application/x-ace":                 &typeAce,      // zeek
	"application/x-ace-compressed":      &typeAce,
	"application/x-xar":                 &typeXar,     // zeek
	"application/x-zoo":                 &typeZoo,     // zeek
	"application/x-stuffit":             &typeStuffit, // zeek
	"application/x-sit":                 &typeStuffit,
	"application/x-lrzip":               &typeLrzip, // zeek
	"application/x-lzma":                &typeLzma,  // zeek
	"application/x-dmg":                 &typeDmg,   // zeek
	"application/x-apple-diskimage":     &typeDmg,
	"application/x-arc":                 &typeArc, // zeek

	"application/vnd.openxmlformats-officedocument":                             &typeOOXML, // zeek
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   &typeDocx,  // zeek
	"application/vnd.openxmlformats-officedocument.wordprocessingml.template":   &typeDocx,
	"application/vnd.ms-word.document.macroenabled.12":                          &typeDocx,
	"application/vnd.ms-word.template.macroenabled.12":                          &typeDocx,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         &typeXlsx, // zeek
	"application/vnd.openxmlformats-officedocument.spreadsheetml.template":      &typeXlsx,
	"application/vnd.ms-excel.sheet.macroenabled.12":                            &typeXlsx,
	"application/vnd.ms-excel.template.macroenabled.12":                         &typeXlsx,
	"application/vnd.ms-excel.addin.macroenabled.12":                            &typeXlsx,
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": &typePptx, // zeek
	"application/vnd.openxmlformats-officedocument.presentationml.template":     &typePptx,
	"application/vnd.openxmlformats-officedocument.presentationml.slideshow":    &typePptx,
	"application/vnd.ms-powerpoint.presentation.macroenabled.12":                &typePptx,
	"application/vnd.ms-powerpoint.slideshow.macroenabled.12":                   &typePptx,
	"application/vnd.ms-powerpoint.template.macroenabled.12":                    &typePptx,
	"application/vnd.oasis.opendocument.text":                                   &typeOdt, // zeek, and each vnd.oasis below
	"application/vnd.oasis.opendocument.text-template":                          &typeOdt,
	"application/vnd.oasis.opendocument.text-web":                               &typeOdt,
	"application/vnd.oasis.opendocument.text-master":                            &typeOdt,
	"application/vnd.oasis.opendocument.spreadsheet":                            &typeOds,
	"application/vnd.oasis.opendocument.spreadsheet-template":                   &typeOds,
	"application/vnd.oasis.opendocument.presentation":                           &typeOdp,
	"application/vnd.oasis.opendocument.presentation-template":                  &typeOdp,
	"application/vnd.oasis.opendocument.graphics":                               &typeOdg,
	"application/vnd.oasis.opendocument.graphics-template":                      &typeOdg,
	"application/vnd.oasis.opendocument.chart":                                  &typeODF,
	"application/vnd.oasis.opendocument.chart-template":                         &typeODF,
	"application/vnd.oasis.opendocument.formula":                                &typeODF,
	"application/vnd.oasis.opendocument.formula-template":                       &typeODF,
	"application/vnd.oasis.opendocument.database":                               &typeODF,
	"application/vnd.oasis.opendocument.image":                                  &typeODF,
	"application/vnd.oasis.opendocument.image-template":                         &typeODF,
	"application/epub+zip":                                                      &typeEpub, // zeek
	"application/java-archive":                                                  &typeJar,  // zeek
	"application/x-java-archive":                                                &typeJar,
	"application/vnd.android.package-archive":                                   &typeApk,
	"application/x-rpm":                     &typeRpm, // zeek
	"application/x-redhat-package-manager":  &typeRpm,
	"application/x-debian-package":          &typeDeb, // zeek
	"application/vnd.debian.binary-package": &typeDeb,

	"image/png":       &typePNG,  // zeek
	"image/jpeg":      &typeJPEG, // zeek
	"image/pjpeg":     &typeJPEG,
	"image/jpg":       &typeJPEG,
	"image/gif":       &typeGIF, // zeek
	"application/pdf": &typePDF, // zeek
}

// extTypes maps lower-case extensions to types, built from the types' Exts.
var extTypes = func() map[string]*Type {
	m := map[string]*Type{}
	for _, t := range allTypes {
		for _, e := range t.Exts {
			if _, dup := m[e]; !dup {
				m[e] = t
			}
		}
	}
	return m
}()

// zipPackageExts are extensions of zip-based packages that generic zip tools build (so their
// first entry says nothing): zip content under these names is not Renamed.
var zipPackageExts = map[string]bool{
	"jar": true, "war": true, "ear": true, "apk": true, "aar": true, "xpi": true, "whl": true,
	"egg": true, "nupkg": true, "vsix": true, "ipa": true, "appx": true, "msix": true,
	"appxbundle": true, "msixbundle": true, "xap": true, "kmz": true, "sublime-package": true,
}

// FromMIME returns the type a MIME type names: one Zeek's file analysis logs (files.log
// mime_type, http.log orig_mime_types / resp_mime_types, one element at a time) or a
// Content-Type header. Case is ignored and so are parameters ("; charset=binary") and
// surrounding spaces. The MIME types known are listed in the package doc.
func FromMIME(mime string) (Type, bool) {
	if i := strings.IndexByte(mime, ';'); i >= 0 {
		mime = mime[:i]
	}
	mime = strings.TrimSpace(mime)
	if t := lookupFold(mimeTypes, mime); t != nil {
		return *t, true
	}
	return Type{}, false
}

// FromName returns the type a file name's extension names, case ignored. The name may be a
// path ('/' or '\' separated); trailing dots and spaces are ignored (Windows drops them);
// a numbered volume extension looks at the one before (archive.7z.001 is 7z), and zip's
// .z01 and RAR's .r00 volume extensions are known. A compound extension counts by its last
// part: x.tar.gz is gzip (what its bytes are).
func FromName(name string) (Type, bool) {
	ext := extOf(name)
	if ext == "" {
		return Type{}, false
	}
	if t := lookupFold(extTypes, ext); t != nil {
		return *t, true
	}
	if volumeExt(ext, 'z') {
		return typeZip, true
	}
	if volumeExt(ext, 'r') {
		return typeRar, true
	}
	return Type{}, false
}

// Renamed reports whether a file name's extension disagrees with content of type t (as
// Sniff found it) that is an archive: a zip upload named .jpg, a 7z named .txt or .dat, a
// gzip named .tar. It is false when t is not an archive, when the name has no extension
// (nothing claimed), when the extension is one of t's (rar5 content in x.part1.rar, gzip in
// x.tgz, split volumes x.z01, x.7z.001), and for plain zip content under the name of a
// zip-based package that generic zip tools build (.jar, .apk, .whl, .nupkg ...).
//
// Plain zip content under an OOXML, ODF or EPUB name (.docx, .xlsx, .odt, .epub ...) is
// Renamed: those formats put a recognisable entry first and Sniff would have named them.
// When the sniffed head was too short to hold the first entry's name, a real document also
// sniffs as plain zip; give Sniff at least a few hundred bytes.
func Renamed(name string, t Type) bool {
	if !t.Archive {
		return false
	}
	ext := extOf(name)
	if ext == "" {
		return false
	}
	for _, e := range t.Exts {
		if strings.EqualFold(e, ext) {
			return false
		}
	}
	switch t.Name {
	case "zip":
		if volumeExt(ext, 'z') || lookupFold(zipPackageExts, ext) {
			return false
		}
	case "rar", "rar5":
		if volumeExt(ext, 'r') {
			return false
		}
	}
	return true
}

// extOf returns the extension of the last path element of name, without the dot: "" when
// there is none. Trailing dots and spaces are dropped first; an all-digit extension (a
// volume number) gives way to the extension before it when there is one.
func extOf(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimRight(name, ". ")
	dot := strings.LastIndexByte(name, '.')
	if dot <= 0 || dot == len(name)-1 {
		return ""
	}
	ext := name[dot+1:]
	if allDigits(ext) {
		base := name[:dot]
		if d := strings.LastIndexByte(base, '.'); d > 0 && d < len(base)-1 {
			return base[d+1:]
		}
	}
	return ext
}

// volumeExt reports whether ext is c followed by two digits (.z01, .r00), case ignored.
func volumeExt(ext string, c byte) bool {
	return len(ext) == 3 && ext[0]|0x20 == c && isDigit(ext[1]) && isDigit(ext[2])
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// lookupFold looks s up in m, whose keys are lower case, without allocating.
func lookupFold[V any](m map[string]V, s string) V {
	var buf [96]byte
	var zero V
	if len(s) > len(buf) {
		return zero
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return m[string(buf[:len(s)])]
}

// asBytes views body as bytes without copying. The package only reads through the view.
func asBytes[B string | []byte](body B) []byte {
	switch v := any(body).(type) {
	case string:
		return unsafe.Slice(unsafe.StringData(v), len(v))
	case []byte:
		return v
	}
	return nil
}
