package baseline

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSaveLoad(t *testing.T) {
	s := New()
	s.Add("user_agents", "curl/8.5.0", "Mozilla/5.0", "curl/8.5.0")
	s.Add("processes", `C:\Windows\System32\svchost.exe`)
	path := filepath.Join(t.TempDir(), "b.json")
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Values("user_agents"), []string{"Mozilla/5.0", "curl/8.5.0"}) {
		t.Errorf("user_agents = %q", got.Values("user_agents"))
	}
	if !got.Has("processes", `C:\Windows\System32\svchost.exe`) || got.Has("processes", "x") || got.Has("nope", "x") {
		t.Error("Has wrong")
	}
	if !slices.Equal(got.Sections(), []string{"processes", "user_agents"}) {
		t.Errorf("sections = %q", got.Sections())
	}
	var nilStore *Store
	if nilStore.Has("user_agents", "x") || nilStore.Len("user_agents") != 0 || nilStore.Values("x") != nil {
		t.Error("nil store not empty")
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"notjson":   "user_agents: [a]",
		"other":     `{"format":"something","version":1}`,
		"future":    `{"format":"sluice-baseline","version":99}`,
		"truncated": `{"format":"sluice-baseline","version":1,"sections":{"user_agents":["a"`,
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		if _, err := Load(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v, want one naming the file", name, err)
		}
	}
	if _, err := Load(filepath.Join(dir, "absent")); err == nil {
		t.Error("absent file loaded")
	}
}
