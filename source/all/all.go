// Package all links every input format into the binary: import it for its side effect.
package all

import (
	_ "github.com/sluice-hunt/sluice/source/auditd"
	_ "github.com/sluice-hunt/sluice/source/cloudtrail"
	_ "github.com/sluice-hunt/sluice/source/eventlog"
	_ "github.com/sluice-hunt/sluice/source/evtx"
	_ "github.com/sluice-hunt/sluice/source/ftd"
	_ "github.com/sluice-hunt/sluice/source/gworkspace"
	_ "github.com/sluice-hunt/sluice/source/m365"
	_ "github.com/sluice-hunt/sluice/source/panos"
	_ "github.com/sluice-hunt/sluice/source/pcap"
	_ "github.com/sluice-hunt/sluice/source/squid"
	_ "github.com/sluice-hunt/sluice/source/stream"
	_ "github.com/sluice-hunt/sluice/source/winjson"
	_ "github.com/sluice-hunt/sluice/source/winxml"
	_ "github.com/sluice-hunt/sluice/source/zeek"
)
