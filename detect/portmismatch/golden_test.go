package portmismatch_test

import (
	"testing"

	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/detect/portmismatch"
)

// Golden cases: Zeek TSV fixtures in testdata/ and the exact findings expected from them.
//
//   - mismatch: SSH through 443 to the outside with 2.4 MB out (high), IRC on the proxy port
//     8080 (high), TLS on the DNS port 53, DNS to an outside server on 5300, TLS on 4444, FTP on
//     2121, SMTP with STARTTLS on 2525 (one smtp finding, not a second for its TLS), plain
//     HTTP to an inside host on 8888 (low); DNS on 53, TLS on 443 and HTTP on 80 stay silent.
//   - benign: a day's worth of protocols on their usual ports that must stay silent: STARTTLS
//     on 25 and 587, implicit TLS on 465/993/995/636, Kerberos inside SMB, LDAP and DCE-RPC,
//     NetBIOS, mDNS and LLMNR name lookups (broadcast, multicast and unicast), DHCP and SSDP
//     to broadcast/multicast, QUIC, RDP with TLS, FTP data, unidentified traffic.
//   - benign.seed: the same file under the seed's own table and exclusions (seedExact): what the
//     unextended analytic reports on it, 14 findings, every one a false positive.
func TestGolden(t *testing.T) {
	for _, name := range []string{"mismatch", "benign"} {
		t.Run(name, func(t *testing.T) {
			fs := detecttest.Hunt(t, portmismatch.New(), "testdata/"+name+".log")
			detecttest.Golden(t, "testdata/"+name+".golden.jsonl", fs)
		})
	}
	t.Run("benign.seed", func(t *testing.T) {
		fs := detecttest.Hunt(t, configure(t, seedExact), "testdata/benign.log")
		detecttest.Golden(t, "testdata/benign.seed.golden.jsonl", fs)
	})
}
