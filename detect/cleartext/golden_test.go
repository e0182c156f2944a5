package cleartext_test

import (
	"testing"

	"github.com/sluice-hunt/sluice/detect/detecttest"
)

// Golden cases: Zeek TSV fixtures in testdata/ and the exact findings expected from them.
//
//   - agenttesla: the AgentTesla FTP exfiltration of the corelight/zeek-agenttesla-detector
//     capture (agenttesla-pcap in the shared datasets), written as Zeek would log it with its
//     default FTP::logged_commands: conn.log (three control connections to 143.95.79.226:21,
//     the passive data channel to :44523 carrying 533 B), ftp.log (PASV and STOR of the first
//     session only: Zeek logs no USER or PASS) and files.log (the FTP_DATA file, text/html).
//     One critical finding naming the user, the file and its size, with the STOR as evidence.
//   - agenttesla.ftp: ftp.log alone (no sizes: Zeek leaves file_size unset for uploads).
//   - agenttesla.conn: conn.log alone: FTP known by service, the upload by the client's bytes
//     on the data channel.
//   - agenttesla.allcmds: ftp.log with every command, USER and PASS included, the data channel
//     and the bytes on the STOR record: what the packet-capture reader emits (and Zeek with
//     FTP::logged_commands extended).
//   - fire: mail sent straight to an outside server with a stolen-credentials page and a zip
//     of passwords (smtp.log, files.log), IRC, SMB with 2.5 MB out, telnet, LDAP and RDP to
//     public addresses, an FTP login that only downloads, and an active-mode FTP upload known
//     from conn.log alone. SMB attempts nothing answered stay below min_risk.
//   - fire.all: the same with min_risk 0: the SMB attempts (30) appear.
//   - benign: what must stay silent: an FTP backup to an internal server, an anonymous
//     download from a public mirror, workstations mailing through the internal relay and the
//     relay delivering to an outside MX (a relay learnt from the mail it receives), internal
//     SMB, LDAP and IRC, inbound FTP, web, DNS, HTTP on port 25, NetBIOS broadcasts.
//   - benign.all: the same with min_risk 0: only the anonymous download, at risk.ftp_other.
func TestGolden(t *testing.T) {
	cases := []struct {
		name    string
		section string
		files   []string
	}{
		{"agenttesla", "", []string{"testdata/agenttesla"}},
		{"agenttesla.ftp", "", []string{"testdata/agenttesla/ftp.log"}},
		{"agenttesla.conn", "", []string{"testdata/agenttesla/conn.log"}},
		{"agenttesla.allcmds", "", []string{"testdata/agenttesla-allcmds/ftp.log"}},
		{"fire", "", []string{"testdata/fire"}},
		{"fire.all", "min_risk: 0", []string{"testdata/fire"}},
		{"benign", "", []string{"testdata/benign"}},
		{"benign.all", "min_risk: 0", []string{"testdata/benign"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := detecttest.Hunt(t, configure(t, c.section), c.files...)
			detecttest.Golden(t, "testdata/"+c.name+".golden.jsonl", fs)
		})
	}
}
