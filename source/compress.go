package source

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Decompress looks at the first bytes of r and undoes gzip, bzip2 or zstd compression. It
// returns the reader to use and the compression's name ("" when none).
func Decompress(r io.Reader) (io.Reader, string, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, "gzip", describe(err, "gzip")
		}
		return zr, "gzip", nil
	case bytes.HasPrefix(magic, []byte("BZh")):
		return bzip2.NewReader(br), "bzip2", nil
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, "zstd", err
		}
		return zr.IOReadCloser(), "zstd", nil
	}
	return br, "", nil
}

func compressionSuffix(comp string) string {
	switch comp {
	case "gzip":
		return ".gz"
	case "bzip2":
		return ".bz2"
	case "zstd":
		return ".zst"
	}
	return ""
}
