package chtest

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// query runs sql on the server behind base (http://host:port/db) and returns the body.
func query(t *testing.T, base, sql string) (string, error) {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	db := strings.Trim(u.Path, "/")
	u.Path = "/"
	u.RawQuery = url.Values{"database": {db}}.Encode()
	resp, err := http.Post(u.String(), "text/plain", strings.NewReader(sql))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: HTTP %d: %s", sql, resp.StatusCode, b)
	}
	return string(b), nil
}

func TestStartKillRestart(t *testing.T) {
	s := Start(t)
	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+/sluice_test_[0-9a-f]{12}$`).MatchString(s.URL()) {
		t.Errorf("URL %q", s.URL())
	}
	if out, err := query(t, s.URL(), "SELECT currentDatabase()"); err != nil || !strings.HasSuffix(s.URL(), "/"+strings.TrimSpace(out)) {
		t.Fatalf("currentDatabase: %q, %v", out, err)
	}
	if _, err := query(t, s.URL(), "CREATE TABLE t (n UInt64) ENGINE = MergeTree ORDER BY n"); err != nil {
		t.Fatal(err)
	}
	if _, err := query(t, s.URL(), "INSERT INTO t SELECT number FROM numbers(100)"); err != nil {
		t.Fatal(err)
	}
	out, _ := query(t, s.URL(), "SELECT timezone()")
	if tz := strings.TrimSpace(out); tz != "UTC" && tz != "Etc/UTC" {
		t.Errorf("server time zone %q, want UTC", out)
	}

	s.Kill()
	if _, err := query(t, s.URL(), "SELECT 1"); err == nil {
		t.Fatal("the killed server still answers")
	}
	s.Restart(t)
	out, err := query(t, s.URL(), "SELECT count() FROM t")
	if err != nil || strings.TrimSpace(out) != "100" {
		t.Errorf("after restart: %q, %v", out, err)
	}
	// Restart of a running server kills it first.
	s.Restart(t)
	if out, err := query(t, s.URL(), "SELECT 1"); err != nil || out != "1\n" {
		t.Errorf("after a second restart: %q, %v", out, err)
	}
}

// TestTwoServers: servers of one test are independent (own ports, folders, databases).
func TestTwoServers(t *testing.T) {
	a, b := Start(t), Start(t)
	if a.URL() == b.URL() || a.dir == b.dir {
		t.Fatalf("same server twice: %s %s", a.URL(), b.URL())
	}
	a.Kill()
	if out, err := query(t, b.URL(), "SELECT 1"); err != nil || out != "1\n" {
		t.Errorf("b after killing a: %q, %v", out, err)
	}
}

// TestExternal: with SLUICE_CLICKHOUSE_URL set, Start uses that server and a fresh database
// it drops afterwards; Kill skips.
func TestExternal(t *testing.T) {
	local := Start(t)
	t.Setenv("SLUICE_CLICKHOUSE_URL", local.base+"/")
	var db string
	t.Run("uses", func(t *testing.T) {
		s := Start(t)
		if !strings.HasPrefix(s.URL(), local.base+"/sluice_test_") || s.URL() == local.URL() {
			t.Fatalf("URL %q", s.URL())
		}
		db = strings.TrimPrefix(s.URL(), local.base+"/")
		if out, _ := query(t, s.URL(), "SELECT currentDatabase()"); strings.TrimSpace(out) != db {
			t.Errorf("database %q, want %q", out, db)
		}
	})
	out, _ := query(t, local.URL(), "SELECT count() FROM system.databases WHERE name = '"+db+"'")
	if strings.TrimSpace(out) != "0" {
		t.Errorf("database %s left behind", db)
	}
	var skipped bool
	t.Run("kill", func(t *testing.T) {
		s := Start(t)
		defer func() { skipped = t.Skipped() }()
		s.Kill()
	})
	if !skipped {
		t.Error("Kill on an external server did not skip")
	}
}
