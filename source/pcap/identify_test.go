package pcap

import "testing"

func TestIdentify(t *testing.T) {
	for _, tc := range []struct {
		name      string
		c, s      string
		want      string
		undecided bool
	}{
		{"http request", "POST /x HTTP/1.1\r\nHost: a\r\n", "", "http", false},
		{"http request line not whole", "GET /very/long", "", "", true},
		{"http response only", "", "HTTP/1.1 200 OK\r\n", "http", false},
		{"tls client hello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "", "ssl", false},
		{"ssh client", "SSH-2.0-OpenSSH_9.6\r\n", "", "ssh", false},
		{"ssh server first", "", "SSH-2.0-OpenSSH_8.9p1 Ubuntu\r\n", "ssh", false},
		{"smb2", "\x00\x00\x00\x54\xfeSMB\x40\x00", "", "smb", false},
		{"smb1", "\x00\x00\x00\x54\xffSMBr\x00", "", "smb", false},
		{"rdp", "\x03\x00\x00\x13\x0e\xe0\x00\x00", "", "rdp", false},
		{"dns over tcp", "\x00\x1d\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01a\x00", "", "dns", false},
		{"ftp", "USER anonymous\r\n", "220 (vsFTPd 3.0.5)\r\n", "ftp", false},
		{"smtp", "EHLO ws01\r\n", "220 mx.example ESMTP\r\n", "smtp", false},
		{"ftp banner alone", "", "220 ProFTPD FTP Server ready\r\n", "ftp", false},
		{"greeting alone waits", "", "220 welcome\r\n", "", true},
		{"irc nick", "NICK bot123\r\nUSER bot 0 * :bot\r\n", "", "irc", false},
		{"irc server notice", "", ":irc.example NOTICE * :*** Looking up your hostname\r\n", "irc", false},
		{"pop3", "", "+OK POP3 ready\r\n", "pop3", false},
		{"imap", "", "* OK IMAP4rev1 ready\r\n", "imap", false},
		{"raw binary both ways", "\xde\xad\x01\x00", "\xde\xad\x02", "", false},
		{"raw binary, one side short", "\xde\xad\x01\x00", "", "", true},
	} {
		got, decided := identify([]byte(tc.c), []byte(tc.s))
		if got != tc.want || decided == tc.undecided {
			t.Errorf("%s: %q decided %v, want %q decided %v", tc.name, got, decided, tc.want, !tc.undecided)
		}
	}
}
