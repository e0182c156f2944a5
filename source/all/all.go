// Package all links every input format into the binary: import it for its side effect.
package all

import (
	_ "github.com/sluice-hunt/sluice/source/squid"
	_ "github.com/sluice-hunt/sluice/source/stream"
	_ "github.com/sluice-hunt/sluice/source/zeek"
)
