package synth

import "testing"

func TestClientIP(t *testing.T) {
	seen := map[uint32]bool{}
	for i := 0; i < maxHosts; i++ {
		ip := clientIP(i)
		if seen[ip] {
			t.Fatalf("client %d: %s given twice", i, ipString(ip))
		}
		seen[ip] = true
		last := ip & 0xff
		if last == 0 || last > 250 || !isPrivate(ip) {
			t.Fatalf("client %d: %s", i, ipString(ip))
		}
		if ip>>24 == 10 && (ip>>16&0xff < 10 || ip>>16&0xff > 49) {
			t.Fatalf("client %d: %s outside 10.10-10.49", i, ipString(ip))
		}
	}
}

func TestAppendID(t *testing.T) {
	r := newRNG(1, 9)
	seen := map[string]bool{}
	for i := 0; i < 10000; i++ {
		s := string(appendID(nil, 'C', r.id()))
		if len(s) < 12 || len(s) > 18 || s[0] != 'C' || seen[s] {
			t.Fatalf("uid %q", s)
		}
		seen[s] = true
	}
	if s := string(appendID(nil, 'F', id{0, 61})); s != "FZ" {
		t.Errorf("61 = %q", s)
	}
	if s := string(appendID(nil, 'F', id{1, 0})); s != "F4GFfc4" {
		t.Errorf("2^32 = %q", s)
	}
}
