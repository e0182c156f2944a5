// Package baseline keeps what a network was seen doing before, so that a hunt can report only
// what is new: the user agents seen (rare-user-agent reports only those not in the baseline),
// and later the processes seen talking to the network.
//
// A baseline is a JSON file of named sections, each a sorted list of distinct values:
//
//	{"format": "sluice-baseline", "version": 1,
//	 "sections": {"user_agents": ["Mozilla/5.0 ...", "curl/8.5.0"]}}
//
// `sluice baseline save` writes one from logs; `sluice hunt --baseline FILE` reads it.
package baseline

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
)

const (
	format  = "sluice-baseline"
	version = 1
)

// Store is a baseline: sets of values by section. The zero value is empty; a nil *Store has
// nothing in it.
type Store struct {
	sections map[string]map[string]struct{}
}

// New returns an empty store.
func New() *Store { return &Store{} }

// Has reports whether value is in the section.
func (s *Store) Has(section, value string) bool {
	if s == nil {
		return false
	}
	_, ok := s.sections[section][value]
	return ok
}

// Len is the number of values in the section.
func (s *Store) Len(section string) int {
	if s == nil {
		return 0
	}
	return len(s.sections[section])
}

// Add puts values into the section.
func (s *Store) Add(section string, values ...string) {
	if s.sections == nil {
		s.sections = map[string]map[string]struct{}{}
	}
	set := s.sections[section]
	if set == nil {
		set = map[string]struct{}{}
		s.sections[section] = set
	}
	for _, v := range values {
		set[v] = struct{}{}
	}
}

// Sections lists the section names, sorted.
func (s *Store) Sections() []string {
	if s == nil {
		return nil
	}
	var out []string
	for k := range s.sections {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Values lists a section's values, sorted.
func (s *Store) Values(section string) []string {
	if s == nil {
		return nil
	}
	out := make([]string, 0, len(s.sections[section]))
	for v := range s.sections[section] {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

type file struct {
	Format   string              `json:"format"`
	Version  int                 `json:"version"`
	Sections map[string][]string `json:"sections"`
}

// MarshalJSON writes the store with its sections' values sorted.
func (s *Store) MarshalJSON() ([]byte, error) {
	f := file{Format: format, Version: version, Sections: map[string][]string{}}
	for _, sec := range s.Sections() {
		f.Sections[sec] = s.Values(sec)
	}
	return json.MarshalIndent(f, "", "  ")
}

// UnmarshalJSON reads a store written by MarshalJSON.
func (s *Store) UnmarshalJSON(b []byte) error {
	var f file
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	if f.Format != format {
		return fmt.Errorf("not a sluice baseline (format %q)", f.Format)
	}
	if f.Version != version {
		return fmt.Errorf("baseline version %d; this sluice reads version %d", f.Version, version)
	}
	*s = Store{}
	for sec, vs := range f.Sections {
		s.Add(sec, vs...)
	}
	return nil
}

// Load reads a baseline file.
func Load(path string) (*Store, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s := New()
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// Save writes the store to path, replacing it atomically (a temporary file renamed).
func (s *Store) Save(path string) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(append(b, '\n'))
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}
