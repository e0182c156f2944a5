package synth

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-hunt/sluice/tlshello"
)

func TestTLSHellos(t *testing.T) {
	ch, err := tlshello.ParseClientHello(TLSClientHello("a.example"))
	if err != nil || ch.ServerName != "a.example" || len(ch.ALPN) != 2 {
		t.Fatalf("client hello %+v: %v", ch, err)
	}
	sh, err := tlshello.ParseServerHello(TLSServerHello("a.example"))
	if err != nil || sh.NegotiatedVersion() != 0x0304 || sh.CipherSuite != 0x1301 {
		t.Fatalf("server hello %+v: %v", sh, err)
	}
	if !bytes.Equal(TLSClientHello("a.example"), TLSClientHello("a.example")) {
		t.Error("the client hello changes from call to call")
	}
}

// sampleCapture is the README's sample capture, beside the repository's other sample logs.
var sampleCapture = filepath.Join("..", "testdata", filepath.FromSlash(CaptureSampleFile))

func TestCaptureTestdata(t *testing.T) {
	var b bytes.Buffer
	if err := WriteCaptureSample(&b); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(sampleCapture), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(sampleCapture, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(sampleCapture)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("%s differs from a fresh generation: run go test ./synth -run TestCaptureTestdata -update and review", CaptureSampleFile)
	}
}
