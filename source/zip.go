package source

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"
)

// zipMagic starts a zip archive's first local file header.
var zipMagic = []byte("PK\x03\x04")

// isZip reports whether the file at p starts like a zip archive.
func isZip(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, len(zipMagic))
	n, _ := io.ReadFull(f, head)
	return bytes.Equal(head[:n], zipMagic)
}

// zipInputs lists the files inside a zip archive as inputs of their own, named
// "archive.zip!member/path", in the archive's order sorted by name; folders, hidden entries and
// macOS resource forks (__MACOSX/) are left out. An archive that cannot be read is one input
// whose Open says why, so that the run reports it by name and goes on.
func zipInputs(p string) []Input {
	r, err := zip.OpenReader(p)
	if err != nil {
		return []Input{{Name: p, Size: -1, open: func() (io.ReadCloser, error) {
			return nil, fmt.Errorf("%s: zip archive: %w", p, err)
		}}}
	}
	defer r.Close()
	var out []Input
	for i, f := range r.File {
		name := f.Name
		if f.FileInfo().IsDir() || strings.HasPrefix(name, "__MACOSX/") || strings.HasPrefix(path.Base(name), ".") {
			continue
		}
		index := i
		out = append(out, Input{Name: p + "!" + name, Size: int64(min(f.UncompressedSize64, 1<<62)), Reopenable: true,
			open: func() (io.ReadCloser, error) { return openZipMember(p, index) }})
	}
	slices.SortFunc(out, func(x, y Input) int { return strings.Compare(x.Name, y.Name) })
	return out
}

// openZipMember opens the index-th file of the archive at p; closing it closes the archive.
func openZipMember(p string, index int) (io.ReadCloser, error) {
	r, err := zip.OpenReader(p)
	if err != nil {
		return nil, fmt.Errorf("%s: zip archive: %w", p, err)
	}
	if index >= len(r.File) {
		r.Close()
		return nil, fmt.Errorf("%s: zip archive changed while read", p)
	}
	f := r.File[index]
	rc, err := f.Open()
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("%s!%s: %w", p, f.Name, err)
	}
	return &zipMember{ReadCloser: rc, archive: r, name: p + "!" + f.Name}, nil
}

// zipMember is an open member; its errors name the archive and the member (a truncated or
// corrupt member fails its checksum at the end).
type zipMember struct {
	io.ReadCloser
	archive *zip.ReadCloser
	name    string
}

func (m *zipMember) Read(b []byte) (int, error) {
	n, err := m.ReadCloser.Read(b)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%s: %w", m.name, err)
	}
	return n, err
}

func (m *zipMember) Close() error {
	err := m.ReadCloser.Close()
	if cerr := m.archive.Close(); err == nil {
		err = cerr
	}
	return err
}
