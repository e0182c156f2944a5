package cleartext_test

import (
	"testing"

	"github.com/sluice-hunt/sluice/detect/cleartext"
	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/event"
)

// FuzzEvents feeds records with arbitrary commands, arguments, users, services, ports, reply
// codes and file sources (seeded with the AgentTesla session) and scores them: nothing may
// panic, and every finding must name its source and carry a risk in range.
func FuzzEvents(f *testing.F) {
	f.Add("STOR", "ftp://143.95.79.226/PW_admin-USER-PC_2024_03_07_19_00_36.html", "husband@elquijotebanquetes.com", "ftp", uint16(21), int64(226), "FTP_DATA", "text/html", int64(533))
	f.Add("PASV", "", "husband@elquijotebanquetes.com", "ftp-data", uint16(44523), int64(227), "FTP_DATA", "", int64(-1))
	f.Add("USER", "anonymous", "<unknown>", "smtp,ssl", uint16(587), int64(331), "SMTP", "application/zip", int64(45000))
	f.Add("RETR", "/", "", "krb,smb,gssapi", uint16(445), int64(-1), "HTTP", "", int64(0))
	f.Add("stou", "a\\b/c//", "Guest", " , ,irc", uint16(6667), int64(550), "smtp", "text/plain", int64(1))
	all, def := configure(f, "min_risk: 0"), configure(f, "")
	f.Fuzz(func(t *testing.T, cmd, arg, user, service string, port uint16, reply int64, source, mime string, size int64) {
		src, dst := addr("10.0.0.5"), addr("198.51.100.7")
		fl := event.Flow{Src: src, SrcPort: 50000, Dst: dst, DstPort: port}
		evs := []any{
			&event.FTP{Meta: event.Meta{TS: at(1), Ref: event.Ref{Line: 1}, UID: arg}, Flow: fl, User: user, Command: cmd, Arg: arg,
				MimeType: mime, FileSize: size, ReplyCode: reply, FUID: user},
			&event.Conn{Meta: event.Meta{TS: at(2), Ref: event.Ref{Line: 2}, UID: cmd}, Flow: fl, Proto: cmd, Service: service,
				OrigBytes: size, RespBytes: reply, ConnState: arg},
			&event.Conn{Meta: event.Meta{TS: at(2), Ref: event.Ref{Line: 3}}, Flow: event.Flow{Src: dst, SrcPort: 20, Dst: src, DstPort: port},
				Service: service, OrigBytes: reply, RespBytes: size},
			&event.SMTP{Meta: event.Meta{TS: at(3), Ref: event.Ref{Line: 4}}, Flow: fl, MailFrom: user, RcptTo: event.List{arg, user},
				Subject: arg, UserAgent: cmd, FUIDs: event.List{user, arg}},
			&event.File{Meta: event.Meta{TS: at(4), Ref: event.Ref{Line: 5}}, FUID: user, Source: source, TxHosts: event.List{arg},
				RxHosts: event.List{mime}, Flow: fl, IsOrig: int8(reply), MimeType: mime, Filename: arg, SeenBytes: size, TotalBytes: reply},
		}
		for _, d := range []*cleartext.Detection{all, def} {
			for _, fd := range detecttest.ScoreEvents(t, d, detecttest.Env(), []int{1, 0}, evs[:2], evs[2:]) {
				if fd.Entities.Src == "" || fd.Risk < 0 || fd.Risk > 100 || fd.Summary == "" {
					t.Fatalf("bad finding %+v", fd)
				}
			}
		}
	})
}
