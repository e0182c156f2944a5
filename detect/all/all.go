// Package all links every detection into the binary: import it for its side effect.
package all

import (
	_ "github.com/sluice-hunt/sluice/detect/altproto"
	_ "github.com/sluice-hunt/sluice/detect/archiveupload"
	_ "github.com/sluice-hunt/sluice/detect/beacon"
	_ "github.com/sluice-hunt/sluice/detect/cleartext"
	_ "github.com/sluice-hunt/sluice/detect/clouddownload"
	_ "github.com/sluice-hunt/sluice/detect/cloudexposure"
	_ "github.com/sluice-hunt/sluice/detect/cloudstorage"
	_ "github.com/sluice-hunt/sluice/detect/cloudupload"
	_ "github.com/sluice-hunt/sluice/detect/dnstunnel"
	_ "github.com/sluice-hunt/sluice/detect/errorurl"
	_ "github.com/sluice-hunt/sluice/detect/exfilcmd"
	_ "github.com/sluice-hunt/sluice/detect/longconn"
	_ "github.com/sluice-hunt/sluice/detect/newproc"
	_ "github.com/sluice-hunt/sluice/detect/portmismatch"
	_ "github.com/sluice-hunt/sluice/detect/postc2"
	_ "github.com/sluice-hunt/sluice/detect/rareua"
	_ "github.com/sluice-hunt/sluice/detect/reconpost"
	_ "github.com/sluice-hunt/sluice/detect/suspiciousua"
	_ "github.com/sluice-hunt/sluice/detect/unencrypted"
	_ "github.com/sluice-hunt/sluice/detect/upload"
)
