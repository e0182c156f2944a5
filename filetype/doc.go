// Package filetype tells what kind of file the first bytes of an HTTP request body, or a
// MIME type, or a file name say it is, for the detections that look for archives leaving
// the network over HTTP.
//
// It goes beyond Splunk's "Multiple Archive Files Http Post Traffic" search (request bodies
// whose first bytes are "7z", "PK" or "Rar!"): archives are recognised by their whole
// signature whatever the file name says, in more formats, inside multipart/form-data and
// form-urlencoded bodies, base64- or percent-encoded, and from the MIME types Zeek's file
// analysis logs.
//
//   - [Sniff] recognises a type from content.
//   - [Parts] splits a request body into the parts that may hold a file (multipart parts,
//     form fields, or the whole body), each with its field name, file name, declared
//     Content-Type and content.
//   - [FromMIME] and [FromName] give the type a MIME type or a file name claims.
//   - [Renamed] reports an archive whose file name claims something else (a zip named
//     holiday.jpg).
//
// Bodies may be strings or byte slices ([Sniff], [Parts] and [Part] are generic over both):
// sluice's events carry bodies as strings, and parsing one costs no copy of it.
//
// # Formats and signatures
//
// Sniff reports a type only from the whole signature: it never guesses from fewer bytes
// than listed ("PK" alone, "7z" alone or "Rar" text are nothing). Offsets are from the start.
//
//	name      Archive  signature                                              bytes  specification
//	zip       yes      "PK\x03\x04" local file header                         4      PKWARE APPNOTE.TXT 4.3.7
//	                   "PK\x05\x06" end of central directory, empty archive   22     APPNOTE 4.3.16 (counts, sizes, offset 0)
//	                   "PK\x07\x08" + "PK\x03\x04" split/spanned archive      8      APPNOTE 8.5.3
//	                   "PK00" + "PK\x03\x04" temporary spanning marker        8      APPNOTE 8.5.4
//	7z        yes      37 7A BC AF 27 1C                                      6      7-Zip DOC/7zFormat.txt, SignatureHeader
//	rar       yes      "Rar!" 1A 07 00 (RAR 1.5 to 4.x)                       7      RAR 4.x technote (rarlab.com)
//	rar5      yes      "Rar!" 1A 07 01 00                                     8      RAR 5.0 archive format (rarlab.com/technote.htm)
//	gzip      yes      1F 8B, CM 08, FLG reserved bits 5-7 clear              4      RFC 1952 2.3.1
//	bzip2     yes      "BZh" '1'-'9', then block magic 31 41 59 26 53 59      10     bzip2 format (Seward; no formal spec):
//	                   or end-of-stream magic 17 72 45 38 50 90                      stream header, byte-aligned first block
//	xz        yes      FD "7zXZ" 00                                           6      The .xz File Format 1.0.4, 2.1.1.1
//	zstd      yes      28 B5 2F FD, frame header descriptor bit 3 clear       5      RFC 8878 3.1.1
//	tar       yes      "ustar\0" (POSIX) or "ustar " (GNU) at 257             263    POSIX.1-2017 pax, ustar Interchange Format;
//	                   or a V7 header: name, type flag, valid checksum        512    GNU tar manual, Basic Tar Format
//	cab       yes      "MSCF" 00 00 00 00 (signature, reserved1)              8      [MS-CAB] 2.1 CFHEADER
//	lzip      yes      "LZIP", version 0 or 1                                 5      lzip manual, File format
//	lzh       yes      "-lh?-" / "-lz?-" / "-pm?-" at 2, header level 0-3 at 20    21     LHA header format (levels 0-3)
//	arj       yes      60 EA, basic header size 1-2600, first_hdr_size >= 30, 11     ARJ TECHNOTE.DOC (main header)
//	                   file type 2 at 10
//	cpio      yes      "070701"/"070702" + 8 hex digits (newc)                14     cpio(5) (libarchive)
//	                   "070707" + 6 octal digits (odc)                        12
//	lz4       yes      04 22 4D 18, FLG version 01, reserved bit 1 clear      5      LZ4 Frame Format Description
//	compress  yes      1F 9D, flags: bits 5-6 clear, max code width 9-16      3      compress(1) / ncompress
//	ace       yes      "**ACE**" at 7, HEAD_TYPE 0 at 4                       14     ACE 1.2 technical information (Lemke)
//	xar       yes      "xar!", header size >= 28, version 1                   8      xar header (xar project)
//	zoo       yes      DC A7 C4 FD at 20                                      24     zoo archive header (lo_tag)
//	stuffit   yes      "SIT!" with "rLau" at 10; or "StuffIt (c)"             14/11  StuffIt archive header
//	lrzip     yes      "LRZI", major version 0                                5      lrzip magic header
//	rpm       no       ED AB EE DB, major version 3 or 4                      5      RPM file format (LSB), lead
//	deb       no       "!<arch>\ndebian-binary"                               21     deb(5)
//	png       no       89 "PNG" 0D 0A 1A 0A                                   8      PNG (ISO/IEC 15948) 5.2
//	jpeg      no       FF D8 FF (SOI and the next marker)                     3      ITU-T T.81 B.1.1.3
//	gif       no       "GIF87a" / "GIF89a"                                    6      GIF89a specification
//	pdf       no       "%PDF-"                                                5      ISO 32000-1 7.5.2
//
// gzip (and zstd, and compress) are also HTTP content codings: a client that compresses its
// request body (Content-Encoding: gzip, as log shippers and telemetry agents do) sends a
// gzip body that is no uploaded file. The logs sluice reads do not keep Content-Encoding;
// a detection may weigh a gzip body less than a zip, 7z or RAR one.
//
// Sniff knows these few non-archive formats so that an image or a PDF is named as such;
// lzma, dmg and arc are known to FromMIME and FromName only (no reliable magic at the start).
// Not recognised: self-extracting archives (an executable first), ISO 9660 (its magic is
// at 32 KiB), RAR before 1.5 ("RE~^"), LZMA-alone streams, archives embedded in JSON or XML.
//
// # Zip containers
//
// A zip's first local file header names its first entry, and zip-based formats put a
// telling entry first. Sniff reads it (and, for OPC packages, the local headers that follow
// within the first 4 KiB):
//
//	first entry                                          type                     specification
//	"mimetype" holding application/vnd.oasis.opendocument.*   odt, ods, odp, odg, odf  ODF 1.2 part 3, 3.3
//	"mimetype" holding application/epub+zip              epub                     EPUB OCF 3.0, 4.2 (the mimetype file first)
//	"[Content_Types].xml", "_rels/", "docProps/",        docx, xlsx, pptx by the  ECMA-376 part 2 (OPC); Zeek's
//	"customXml/", "word/", "xl/", "ppt/"                 word/, xl/, ppt/ part;   msoffice signatures look the same way
//	                                                     else ooxml
//	"META-INF/..."                                       jar                      JAR File Specification
//	"AndroidManifest.xml"                                apk                      Android APK layout
//	anything else                                        zip
//
// These documents and packages have Archive false: uploading a spreadsheet or a jar is
// everyday traffic, not the staging of files that exfiltration does. The decision rests on
// the first entry's name, which whoever builds the zip chooses: a tool that puts
// "[Content_Types].xml" first in an archive of stolen files gets "ooxml". A head cut before
// the first entry's name (under about 50 bytes) gives plain zip for any zip container.
//
// # Encodings
//
// When the raw bytes match nothing, Sniff tries them as
//
//   - base64 (RFC 4648, standard or URL alphabet, CRLF line breaks skipped, padding
//     optional): "UEsDBA" is PK\x03\x04, "N3q8ryccAAQ" 7z, "UmFyIRoH" Rar!; also the data
//     of a data: URL with ";base64" (RFC 2397);
//   - percent-encoding (WHATWG application/x-www-form-urlencoded: %XX, '+' for space, up to
//     the first '&'), when a '%' is among the first 128 bytes: file=PK%03%04...;
//   - percent-encoded base64.
//
// A match carries its encoding in [Type.Encoding]. At most 512 bytes are decoded, into a
// buffer on the stack: Sniff never allocates.
//
// # Bodies
//
// [Parts] recognises a multipart body (RFC 2046 5.1, RFC 7578) from the Content-Type's
// boundary parameter or, since most logs do not keep request headers, from the body itself:
// a first line "--boundary" (RFC 2046 bchars, up to 200 of them) followed by a "Content-"
// header line. It takes CRLF and bare LF line ends, quoted and unquoted parameters,
// filename*= (RFC 8187, UTF-8 or ISO-8859-1), a preamble, transport padding, and bodies cut
// anywhere: in a part's headers (the part keeps the headers read so far, empty content), in
// its content, or before the close delimiter. Form-urlencoded bodies give one part per
// key=value pair (the key decoded, the value left encoded for Sniff); any other body is one
// part. A body sent with curl --data-binary (declared form-urlencoded, raw bytes) is one
// part, since its start is no form key.
//
// # MIME types
//
// FromMIME knows every MIME type Zeek's file signatures (zeek/zeek
// scripts/base/frameworks/files/magic/*.sig) emit for the formats above:
//
//	archive.sig   application/zip, application/x-7z-compressed, application/x-rar,
//	              application/x-gzip, application/x-bzip2, application/x-xz, application/x-tar,
//	              application/vnd.ms-cab-compressed, application/x-lzip, application/x-lzh,
//	              application/x-lha, application/x-arj, application/x-cpio, application/x-lz4,
//	              application/x-compress, application/x-ace, application/x-xar, application/x-zoo,
//	              application/x-stuffit, application/x-lrzip, application/x-lzma,
//	              application/x-dmg, application/x-arc, application/x-rpm,
//	              application/x-debian-package
//	office.sig    application/vnd.openxmlformats-officedocument and its .wordprocessingml.document,
//	              .spreadsheetml.sheet and .presentationml.presentation;
//	              application/vnd.oasis.opendocument.{text,text-template,text-web,text-master,
//	              spreadsheet,spreadsheet-template,presentation,presentation-template,graphics,
//	              graphics-template,chart,chart-template,formula,formula-template,database,image,
//	              image-template}
//	java.sig      application/java-archive
//	libmagic.sig  application/epub+zip, application/pdf
//	image.sig     image/png, image/jpeg, image/gif
//
// Zeek emits neither application/gzip, application/vnd.rar nor application/zstd (it has no
// zstd signature at all); FromMIME also knows those (IANA registrations) and the types
// clients put in Content-Type headers: application/x-zip-compressed (Windows browsers),
// application/x-rar-compressed, application/x-gtar, application/x-zstd, the OOXML template
// and macro-enabled types, application/vnd.android.package-archive, and a few more (see
// mimeTypes in filetype.go).
package filetype
