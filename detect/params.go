package detect

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a parameter holding a span, written in config as "90s", "1h", "15m".
type Duration time.Duration

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// Micros returns d in microseconds, the unit of event times.
func (d Duration) Micros() int64 { return time.Duration(d).Microseconds() }

func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalYAML reads "1h30m" or a number of seconds.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	if v, err := time.ParseDuration(s); err == nil {
		*d = Duration(v)
		return nil
	}
	var secs float64
	if _, err := fmt.Sscanf(s, "%g", &secs); err == nil {
		*d = Duration(secs * float64(time.Second))
		return nil
	}
	return fmt.Errorf("line %d: %q is not a duration (like 90s, 15m, 1h)", n.Line, s)
}

// MarshalYAML writes the duration as text.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// Param is one parameter of a detection, as `sluice detections` lists it.
type Param struct {
	Name    string
	Default string
	Doc     string
}

// ListParams describes the fields of a params struct (pointer or value) through their
// `yaml` and `doc` tags; nested structs are listed with dotted names.
func ListParams(p any) []Param {
	v := reflect.ValueOf(p)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	var out []Param
	listParams(v, "", &out)
	return out
}

func listParams(v reflect.Value, prefix string, out *[]Param) {
	if v.Kind() != reflect.Struct {
		return
	}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fv := v.Field(i)
		if fv.Kind() == reflect.Struct && f.Type != reflect.TypeOf(Duration(0)) && f.Tag.Get("doc") == "" {
			listParams(fv, prefix+name+".", out)
			continue
		}
		*out = append(*out, Param{Name: prefix + name, Default: formatValue(fv), Doc: f.Tag.Get("doc")})
	}
}

func formatValue(v reflect.Value) string {
	if d, ok := v.Interface().(Duration); ok {
		return d.String()
	}
	switch v.Kind() {
	case reflect.Slice, reflect.Map, reflect.Struct:
		b, err := yaml.Marshal(v.Interface())
		if err != nil {
			return fmt.Sprint(v.Interface())
		}
		s := strings.TrimSpace(string(b))
		if strings.Contains(s, "\n") || v.Kind() != reflect.Struct {
			// flow style on one line
			var n yaml.Node
			if yaml.Unmarshal(b, &n) == nil {
				setFlow(&n)
				if b2, err := yaml.Marshal(&n); err == nil {
					s = strings.TrimSpace(string(b2))
				}
			}
		}
		return s
	}
	return fmt.Sprint(v.Interface())
}

func setFlow(n *yaml.Node) {
	n.Style |= yaml.FlowStyle
	for _, c := range n.Content {
		setFlow(c)
	}
}
