package filetype

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
	"time"
)

// Test inputs, built with Go's own writers where it has one and by hand from the format's
// specification where it has not.

type entry struct {
	name, body string
	store      bool // stored, not deflated (ODF and EPUB need their mimetype stored)
}

// zipOf builds a zip archive of the entries, in order.
func zipOf(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.store {
			h.Method = zip.Store
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// plainZip is an archive of stolen-looking files.
func plainZip(t testing.TB) []byte {
	return zipOf(t, entry{name: "finance/q3-payroll.csv", body: "name,iban,salary\nalice,DE89370400440532013000,90000\n"},
		entry{name: "finance/passwords.txt", body: "hunter2\n"})
}

func ooxmlZip(t testing.TB, folder string) []byte {
	return zipOf(t,
		entry{name: "[Content_Types].xml", body: `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`},
		entry{name: "_rels/.rels", body: `<?xml version="1.0"?><Relationships/>`},
		entry{name: "docProps/app.xml", body: `<Properties/>`},
		entry{name: folder + "main.xml", body: `<x/>`})
}

func odfZip(t testing.TB, mime string) []byte {
	return zipOf(t, entry{name: "mimetype", body: mime, store: true},
		entry{name: "content.xml", body: "<office:document-content/>"})
}

// tarOf builds a tar archive of one file in the given format.
func tarOf(t testing.TB, format tar.Format) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	body := []byte("db_password=hunter2\n")
	h := &tar.Header{Name: "etc/app/secrets.env", Mode: 0o600, Size: int64(len(body)),
		ModTime: time.Unix(1700000000, 0), Typeflag: tar.TypeReg, Format: format}
	if err := tw.WriteHeader(h); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// v7Tar turns a ustar archive's first header into a pre-POSIX one: no magic and version,
// checksum recomputed.
func v7Tar(t testing.TB) []byte {
	b := bytes.Clone(tarOf(t, tar.FormatUSTAR))
	clear(b[257:265])
	clear(b[265:500]) // uname, gname, devices, prefix: not in V7
	copy(b[148:156], "        ")
	sum := 0
	for _, c := range b[:512] {
		sum += int(c)
	}
	copy(b[148:156], []byte(octal(sum, 6)+"\x00 "))
	return b
}

func octal(n, width int) string {
	s := []byte{}
	for ; n > 0; n /= 8 {
		s = append([]byte{byte('0' + n%8)}, s...)
	}
	for len(s) < width {
		s = append([]byte{'0'}, s...)
	}
	return string(s)
}

func gzipOf(t testing.TB, data string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(data))
	zw.Close()
	return buf.Bytes()
}

// sevenZip is a 7z signature header (7zFormat.txt): signature, version 0.4, start header CRC,
// next header offset, size and CRC.
func sevenZip() []byte {
	b := []byte("7z\xbc\xaf\x27\x1c\x00\x04")
	rest := make([]byte, 20)
	binary.LittleEndian.PutUint64(rest[0:], 1234)
	binary.LittleEndian.PutUint64(rest[8:], 56)
	binary.LittleEndian.PutUint32(rest[16:], 0xdeadbeef)
	b = binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(rest))
	return append(b, rest...)
}

// rar4 is a RAR 1.5-4.x marker block and the start of an archive header (HEAD_CRC,
// HEAD_TYPE 0x73, flags, size 13).
func rar4() []byte {
	return []byte("Rar!\x1a\x07\x00\xcf\x90\x73\x00\x00\x0d\x00\x00\x00\x00\x00\x00\x00")
}

// rar5 is a RAR 5 signature and the start of a main archive header (CRC32, vint size,
// vint type 1).
func rar5() []byte {
	return []byte("Rar!\x1a\x07\x01\x00\x33\x92\xb5\xe5\x0a\x01\x05\x06\x00\x05\x01\x01\x80\x80\x00")
}

// bzip2 stream header + first block magic; bzip2Empty is a whole empty stream: header,
// end-of-stream magic, combined CRC 0.
func bzip2() []byte      { return []byte("BZh91AY&SY\x12\x34\x56\x78\x00\x00") }
func bzip2Empty() []byte { return []byte("BZh9\x17\x72\x45\x38\x50\x90\x00\x00\x00\x00") }

// xz stream header (xz spec 2.1.1): magic, stream flags 00 01 (CRC32), CRC32 of the flags.
func xzStream() []byte {
	b := []byte("\xfd7zXZ\x00\x00\x01")
	return binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE([]byte{0, 1}))
}

// zstd: a whole empty frame (RFC 8878): magic, frame header descriptor 0x20 (single segment,
// 1-byte content size), content size 0, last raw block of size 0.
func zstdFrame() []byte { return []byte("\x28\xb5\x2f\xfd\x20\x00\x01\x00\x00") }

// cab: CFHEADER ([MS-CAB] 2.1): signature, reserved1, cbCabinet, reserved2, coffFiles,
// reserved3, version 1.3, folders, files, flags, setID, iCabinet.
func cab() []byte {
	b := []byte("MSCF\x00\x00\x00\x00")
	b = binary.LittleEndian.AppendUint32(b, 1000)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint32(b, 44)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = append(b, 3, 1, 1, 0, 1, 0, 0, 0, 0x34, 0x12, 0, 0)
	return b
}

// lzip member header: "LZIP", version 1, coded dictionary size.
func lzip() []byte { return []byte("LZIP\x01\x0c\x00\x33\x1b\xec\x15") }

// lzh: a level-0 LHA header: size, checksum, method, compressed and original sizes, DOS
// time, attribute, level 0, name length and name.
func lzh() []byte {
	b := []byte{0x22, 0x00}
	b = append(b, "-lh5-"...)
	b = binary.LittleEndian.AppendUint32(b, 100)
	b = binary.LittleEndian.AppendUint32(b, 250)
	b = binary.LittleEndian.AppendUint32(b, 0x5a8c4c21)
	b = append(b, 0x20, 0x00, 8)
	return append(b, "DATA.TXT\x12\x34"...)
}

// arj main header (ARJ TECHNOTE): id, basic header size, first_hdr_size 30, version 11,
// minimum 1, host 0, flags 0, reserved, file type 2, reserved, then the rest of the fixed
// part, the archive name and comment.
func arj() []byte {
	fixed := []byte{30, 11, 1, 0, 0, 0, 2, 0}
	fixed = append(fixed, make([]byte, 22)...)
	tail := []byte("BACKUP.ARJ\x00\x00")
	size := len(fixed) + len(tail)
	b := []byte{0x60, 0xea, byte(size), byte(size >> 8)}
	b = append(b, fixed...)
	return append(b, tail...)
}

// cpio headers (cpio(5)): newc, newc with CRC, odc.
func cpioNewc() []byte { return []byte("0707010004a1b2000081a4000003e8000003e8") }
func cpioCRC() []byte  { return []byte("0707020004a1b2000081a4000003e8000003e8") }
func cpioOdc() []byte  { return []byte("070707000401123456100644001750001750") }

// lz4 frame: magic, FLG 0x64 (version 01, block independence, content checksum), BD 0x40, HC.
func lz4Frame() []byte { return []byte("\x04\x22\x4d\x18\x64\x40\xa7\x00\x00\x00\x80") }

// compress(1) .Z: magic, flags 0x90 (block mode, 16 bits).
func compressZ() []byte { return []byte("\x1f\x9d\x90\x41\x00\x00") }

// ace archive header: HEAD_CRC, HEAD_SIZE, HEAD_TYPE 0, HEAD_FLAGS, "**ACE**", versions.
func ace() []byte { return []byte("\x12\x34\x31\x00\x00\x00\x90**ACE**\x14\x14\x02\x00") }

// xar header: magic, header size 28, version 1, TOC lengths, checksum algorithm.
func xar() []byte {
	b := []byte("xar!\x00\x1c\x00\x01")
	b = binary.BigEndian.AppendUint64(b, 1200)
	b = binary.BigEndian.AppendUint64(b, 5000)
	return binary.BigEndian.AppendUint32(b, 1)
}

// zoo archive header: text, then the tag 0xFDC4A7DC little-endian at 20.
func zoo() []byte { return []byte("ZOO 2.10 Archive.\x1a\x00\x00\xdc\xa7\xc4\xfd\x22\x00\x00\x00") }

func stuffit() []byte  { return []byte("SIT!\x00\x02\x00\x00\x10\x00rLau\x02\x00") }
func stuffit5() []byte { return []byte("StuffIt (c)1997-2002 Aladdin Systems, Inc.") }
func lrzip() []byte    { return []byte("LRZI\x00\x06\x00\x10\x00\x00\x00\x00") }
func rpm() []byte      { return []byte("\xed\xab\xee\xdb\x03\x00\x00\x01openssl-3.0.7") }
func deb() []byte {
	return []byte("!<arch>\ndebian-binary   1700000000  0     0     100644  4         `\n2.0\n")
}

func pngImage(t testing.TB) []byte {
	var buf bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{255, 0, 0, 255})
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func jpegImage(t testing.TB) []byte {
	var buf bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gifImage(t testing.TB) []byte {
	var buf bytes.Buffer
	img := image.NewPaletted(image.Rect(0, 0, 2, 2), color.Palette{color.Black, color.White})
	if err := gif.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const pdfDoc = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
