// Package chtest runs a real ClickHouse server for tests.
//
// Start launches clickhouse-server on 127.0.0.1 with a throw-away configuration (data, logs
// and temporary files in a test temporary folder, HTTP and native ports picked free, one user
// "default" without password that only loopback may use, small caches) and creates a fresh
// database for the test. It takes a fraction of a second with the 18.16 server Debian ships.
// The configuration uses the <yandex> root element, which 18.16 requires; current releases
// document <clickhouse> as the root but the server reads the main configuration file whatever
// its root is called (the names must match only when config.d/ files are merged, and there
// are none here).
//
// The server binary is looked up in this order: $SLUICE_CLICKHOUSE_SERVER (a path to
// clickhouse-server, or to the single "clickhouse" binary of current releases),
// clickhouse-server in $PATH, /usr/sbin/clickhouse-server, then "clickhouse server" from
// $PATH. Without one the test is skipped, saying how to get one.
//
// With $SLUICE_CLICKHOUSE_URL set (http://[user:password@]host:port/), tests use that server
// instead: Start creates a fresh database there for each test and drops it afterwards; Kill
// and Restart then skip the test, since the server is not ours to stop.
package chtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// readyTimeout bounds how long Start and Restart wait for the server to answer /ping.
const readyTimeout = 30 * time.Second

// Server is a ClickHouse server for one test.
type Server struct {
	tb       testing.TB
	external bool
	base     string // http://[user:pass@]host:port
	db       string

	// Local servers only.
	bin      string
	args     []string
	dir      string
	httpPort int

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// Start returns a running server with a fresh database (see the package documentation), and
// arranges for it to be stopped and its files removed when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	if u := os.Getenv("SLUICE_CLICKHOUSE_URL"); u != "" {
		return startExternal(t, u)
	}
	bin, args := findServer(t)
	s := &Server{tb: t, bin: bin, args: args, dir: t.TempDir(), db: freshName()}
	t.Cleanup(s.stop)
	var err error
	for try := 0; try < 3; try++ {
		// Ports are chosen by binding to port 0 and closing; another process may take one
		// before the server binds it, so try again with new ones.
		if err = s.configure(); err != nil {
			t.Fatalf("chtest: %v", err)
		}
		if err = s.launch(); err == nil {
			break
		}
		if !strings.Contains(err.Error(), "Address already in use") {
			break
		}
	}
	if err != nil {
		t.Fatalf("chtest: %v", err)
	}
	if err := s.exec("CREATE DATABASE " + s.db); err != nil {
		t.Fatalf("chtest: creating database: %v", err)
	}
	return s
}

func startExternal(t testing.TB, raw string) *Server {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		t.Fatalf("chtest: SLUICE_CLICKHOUSE_URL must be http[s]://[user:password@]host:port/")
	}
	s := &Server{tb: t, external: true, base: u.Scheme + "://" + u.Host, db: freshName()}
	if u.User != nil {
		s.base = u.Scheme + "://" + u.User.String() + "@" + u.Host
	}
	if err := s.exec("CREATE DATABASE " + s.db); err != nil {
		t.Fatalf("chtest: creating database on $SLUICE_CLICKHOUSE_URL: %v", err)
	}
	t.Cleanup(func() {
		if err := s.exec("DROP DATABASE IF EXISTS " + s.db); err != nil {
			t.Logf("chtest: dropping database %s: %v", s.db, err)
		}
	})
	return s
}

// URL returns the server's address with the test's database: http://127.0.0.1:PORT/DBNAME.
func (s *Server) URL() string { return s.base + "/" + s.db }

// Kill stops the server at once with SIGKILL, as a crash would, and waits for it to exit.
func (s *Server) Kill() {
	if s.external {
		s.tb.Skip("chtest: Kill needs a server chtest started (SLUICE_CLICKHOUSE_URL is set)")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.killLocked()
}

// Restart starts the server again on the same data folder and ports (killing it first if it
// still runs) and waits until it answers.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	if s.external {
		t.Skip("chtest: Restart needs a server chtest started (SLUICE_CLICKHOUSE_URL is set)")
	}
	s.mu.Lock()
	s.killLocked()
	s.mu.Unlock()
	if err := s.launch(); err != nil {
		t.Fatalf("chtest: restart: %v", err)
	}
}

func (s *Server) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.killLocked()
}

func (s *Server) killLocked() {
	if s.cmd == nil {
		return
	}
	killGroup(s.cmd)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.tb.Logf("chtest: server pid %d did not exit after SIGKILL", s.cmd.Process.Pid)
	}
	s.cmd = nil
}

// findServer returns the server binary and the arguments that select the server mode.
func findServer(t testing.TB) (string, []string) {
	t.Helper()
	withMode := func(bin string) (string, []string) {
		if filepath.Base(bin) == "clickhouse" {
			return bin, []string{"server"}
		}
		return bin, nil
	}
	if p := os.Getenv("SLUICE_CLICKHOUSE_SERVER"); p != "" {
		if _, err := exec.LookPath(p); err != nil {
			t.Fatalf("chtest: SLUICE_CLICKHOUSE_SERVER=%s: %v", p, err)
		}
		return withMode(p)
	}
	if p, err := exec.LookPath("clickhouse-server"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/sbin/clickhouse-server"); err == nil {
		return "/usr/sbin/clickhouse-server", nil
	}
	if p, err := exec.LookPath("clickhouse"); err == nil {
		return p, []string{"server"}
	}
	t.Skip("chtest: no ClickHouse server found: install the Debian package clickhouse-server " +
		"(apt-get install clickhouse-server), or run .ci/run, or set SLUICE_CLICKHOUSE_SERVER to a " +
		"clickhouse-server binary, or SLUICE_CLICKHOUSE_URL to a server to use")
	return "", nil
}

func freshName() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "sluice_test_" + hex.EncodeToString(b[:])
}

// freePorts returns n TCP ports on 127.0.0.1 that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// configure writes config.xml and users.xml with new free ports.
func (s *Server) configure() error {
	ports, err := freePorts(2)
	if err != nil {
		return err
	}
	s.httpPort = ports[0]
	_ = os.Remove(filepath.Join(s.dir, "err.log")) // a failed try's log would mislead the next
	s.base = "http://127.0.0.1:" + strconv.Itoa(s.httpPort)
	for _, d := range []string{"data", "tmp", "user_files", "format_schemas", "user_scripts", "user_defined"} {
		if err := os.MkdirAll(filepath.Join(s.dir, d), 0o755); err != nil {
			return err
		}
	}
	d := s.dir
	config := `<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>` + d + `/server.log</log>
    <errorlog>` + d + `/err.log</errorlog>
    <size>10M</size>
    <count>1</count>
    <console>0</console>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>` + strconv.Itoa(ports[0]) + `</http_port>
  <tcp_port>` + strconv.Itoa(ports[1]) + `</tcp_port>
  <path>` + d + `/data/</path>
  <tmp_path>` + d + `/tmp/</tmp_path>
  <user_files_path>` + d + `/user_files/</user_files_path>
  <format_schema_path>` + d + `/format_schemas/</format_schema_path>
  <user_scripts_path>` + d + `/user_scripts/</user_scripts_path>
  <user_defined_path>` + d + `/user_defined/</user_defined_path>
  <users_config>` + d + `/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
</yandex>
`
	users := `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>` +
		`<result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`
	if err := os.WriteFile(filepath.Join(d, "config.xml"), []byte(config), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(d, "users.xml"), []byte(users), 0o644)
}

// launch starts the server process and waits until it answers /ping.
func (s *Server) launch() error {
	stderr, err := os.Create(filepath.Join(s.dir, "stderr.log"))
	if err != nil {
		return err
	}
	defer stderr.Close()
	cmd := exec.Command(s.bin, append(append([]string{}, s.args...), "--config-file="+filepath.Join(s.dir, "config.xml"))...)
	cmd.Dir = s.dir
	cmd.Stdout = stderr
	cmd.Stderr = stderr
	// No watchdog process (current releases fork one when they think they run as a
	// daemon), so that the pid we hold is the server's.
	cmd.Env = append(os.Environ(), "CLICKHOUSE_WATCHDOG_ENABLE=0")
	setGroup(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", s.bin, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()

	deadline := time.Now().Add(readyTimeout)
	hc := &http.Client{Timeout: time.Second}
	for {
		resp, err := hc.Get(s.base + "/ping")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && bytes.HasPrefix(b, []byte("Ok.")) {
				return nil
			}
		}
		select {
		case <-done:
			s.mu.Lock()
			s.cmd = nil
			s.mu.Unlock()
			return fmt.Errorf("%s exited while starting (%v)\n%s", s.bin, cmd.ProcessState, s.logTail())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return fmt.Errorf("%s did not answer %s/ping within %v\n%s", s.bin, s.base, readyTimeout, s.logTail())
		}
	}
}

// logTail returns the end of the server's error log and of its stderr, for failure reports.
func (s *Server) logTail() string {
	var b strings.Builder
	for _, name := range []string{"err.log", "stderr.log"} {
		data, err := os.ReadFile(filepath.Join(s.dir, name))
		if err != nil || len(data) == 0 {
			continue
		}
		if len(data) > 4096 {
			data = data[len(data)-4096:]
		}
		fmt.Fprintf(&b, "--- %s (end):\n%s\n", name, data)
	}
	if b.Len() == 0 {
		return "(the server wrote no log)"
	}
	return b.String()
}

// exec runs one statement over HTTP (chtest does not use package clickhouse, whose tests
// use chtest).
func (s *Server) exec(sql string) error {
	u, err := url.Parse(s.base + "/")
	if err != nil {
		return err
	}
	var user, pass string
	if u.User != nil {
		user = u.User.Username()
		pass, _ = u.User.Password()
		u.User = nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(sql))
	if err != nil {
		return err
	}
	if user != "" {
		req.Header.Set("X-ClickHouse-User", user)
		req.Header.Set("X-ClickHouse-Key", pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return errors.New(strings.TrimSpace(string(body)))
	}
	return nil
}
