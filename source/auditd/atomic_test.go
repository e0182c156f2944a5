package auditd

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// atomicCommands returns the argv of every simple command of the Linux tests (sh and bash
// executors) of the Atomic Red Team definitions in the shared datasets, arguments filled in
// with their defaults.
func atomicCommands(t *testing.T) [][]string {
	dir := filepath.Join(datasets, "atomic-red-team")
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if len(files) == 0 {
		t.Skipf("real dataset atomic-red-team not present (it lives in the shared datasets folder beside the repo: %s)", dir)
	}
	type atomic struct {
		AtomicTests []struct {
			Name      string   `yaml:"name"`
			Platforms []string `yaml:"supported_platforms"`
			Args      map[string]struct {
				Default any `yaml:"default"`
			} `yaml:"input_arguments"`
			Executor struct {
				Name    string `yaml:"name"`
				Command string `yaml:"command"`
			} `yaml:"executor"`
		} `yaml:"atomic_tests"`
	}
	var out [][]string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var a atomic
		if err := yaml.Unmarshal(b, &a); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, at := range a.AtomicTests {
			if !slices.Contains(at.Platforms, "linux") || (at.Executor.Name != "sh" && at.Executor.Name != "bash") {
				continue
			}
			cmd := at.Executor.Command
			for k, v := range at.Args {
				cmd = strings.ReplaceAll(cmd, "#{"+k+"}", fmt.Sprint(v.Default))
			}
			for _, line := range strings.Split(cmd, "\n") {
				for _, simple := range splitShell(line) {
					if len(simple) > 0 {
						out = append(out, simple)
					}
				}
			}
		}
	}
	return out
}

// splitShell splits a shell line into simple commands (at | ; & && ||) and words, undoing
// quotes and backslashes: a plain lexer, enough to give real argument vectors.
func splitShell(line string) [][]string {
	var cmds [][]string
	var words []string
	var w strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			words = append(words, w.String())
			w.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				j = len(line) - i - 1
			}
			w.WriteString(line[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' && i+1 < len(line) && strings.IndexByte("\"\\$`", line[i+1]) >= 0 {
					i++
				}
				w.WriteByte(line[i])
			}
			inWord = true
		case c == '\\' && i+1 < len(line):
			i++
			w.WriteByte(line[i])
			inWord = true
		case c == ' ' || c == '\t':
			flush()
		case c == '|' || c == ';' || c == '&':
			flush()
			cmds = append(cmds, words)
			words = nil
		case c == '>' || c == '<':
			flush()
			for i+1 < len(line) && (line[i+1] == ' ' || line[i+1] == '&') {
				i++
			}
			for i+1 < len(line) && line[i+1] != ' ' {
				i++
			}
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return append(cmds, words)
}

// encodeExecve writes an execve event for argv as the kernel logs it: each argument in double
// quotes, or hex when it holds a space, a double quote or a byte outside 0x21..0x7e, and an
// argument longer than split in a<N>_len= and a<N>[i]= pieces, in EXECVE records of at most
// about recMax bytes.
func encodeExecve(b *bytes.Buffer, serial int, argv []string, split, recMax int) {
	id := fmt.Sprintf("1700000000.%03d:%d", serial%1000, serial)
	fmt.Fprintf(b, "type=SYSCALL msg=audit(%s): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=2 ppid=1 pid=%d auid=0 uid=0 gid=0 comm=\"x\" exe=\"/usr/bin/%s\" key=(null)\n", id, serial, filepath.Base(argv[0]))
	rec := fmt.Sprintf("type=EXECVE msg=audit(%s): argc=%d", id, len(argv))
	put := func(s string) {
		if len(rec)+len(s) > recMax {
			b.WriteString(rec + "\n")
			rec = fmt.Sprintf("type=EXECVE msg=audit(%s): ", id)
		}
		rec += " " + s
	}
	for i, a := range argv {
		needHex := false
		for j := 0; j < len(a); j++ {
			if a[j] == '"' || a[j] < 0x21 || a[j] > 0x7e {
				needHex = true
			}
		}
		val := `"` + a + `"`
		if needHex {
			val = strings.ToUpper(hex.EncodeToString([]byte(a)))
		}
		if len(a) <= split {
			put(fmt.Sprintf("a%d=%s", i, val))
			continue
		}
		put(fmt.Sprintf("a%d_len=%d", i, len(a)))
		for k, off := 0, 0; off < len(a); k, off = k+1, off+split {
			piece := a[off:min(off+split, len(a))]
			pv := `"` + piece + `"`
			if needHex {
				pv = strings.ToUpper(hex.EncodeToString([]byte(piece)))
			}
			put(fmt.Sprintf("a%d[%d]=%s", i, k, pv))
		}
	}
	b.WriteString(rec + "\n")
	fmt.Fprintf(b, "type=EOE msg=audit(%s): \n", id)
}

// The command lines of the Atomic Red Team's Linux exfiltration, C2 and archive tests come back
// exactly from EXECVE records, however the kernel encodes and splits them.
func TestAtomicCommands(t *testing.T) {
	cmds := atomicCommands(t)
	if len(cmds) < 20 {
		t.Fatalf("only %d commands", len(cmds))
	}
	for _, layout := range []struct{ split, recMax int }{{7500, 8000}, {16, 120}, {3, 60}} {
		var b bytes.Buffer
		for i, argv := range cmds {
			encodeExecve(&b, i+1, argv, layout.split, layout.recMax)
		}
		var col collector
		st := readDirect(b.Bytes(), &col)
		if len(st.Problems) > 0 || len(col.evs) != len(cmds) {
			t.Fatalf("layout %v: %d events of %d; problems %v", layout, len(col.evs), len(cmds), problems(st))
		}
		for i, e := range col.evs {
			if !reflect.DeepEqual([]string(e.Args), cmds[i]) {
				t.Errorf("layout %v: args %q, want %q", layout, e.Args, cmds[i])
				continue
			}
			if got := shellSplitJoined(e.Proc.CommandLine); !reflect.DeepEqual(got, cmds[i]) {
				t.Errorf("command line %q does not split back into %q (%q)", e.Proc.CommandLine, cmds[i], got)
			}
		}
	}
	t.Logf("%d command lines, e.g. %q", len(cmds), cmds[:3])
}

// shellSplitJoined splits a command line as the reader joins it: words at spaces, a word in
// double quotes holding spaces and \" for a quote.
func shellSplitJoined(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		if s[i] == ' ' {
			i++
			continue
		}
		var w strings.Builder
		if s[i] == '"' {
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && s[i+1] == '"' {
					i++
				}
				w.WriteByte(s[i])
			}
			i++
		} else {
			for ; i < len(s) && s[i] != ' '; i++ {
				w.WriteByte(s[i])
			}
		}
		out = append(out, w.String())
	}
	return out
}
