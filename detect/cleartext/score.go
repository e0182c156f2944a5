package cleartext

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/sluice-hunt/sluice/attrib"
	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/filetype"
	"github.com/sluice-hunt/sluice/finding"
)

// extra is what files.log adds to a key at scoring time.
type extra struct {
	fileBytes int64     // bytes of every file the source sent the destination on this protocol
	files     int64     // those files
	only      []fileRec // files no upload record or mail claimed, earliest first
	onlyN     int64
}

// resolve joins files.log with the uploads and mails that name its files: it returns what each
// key's files add, and makes a group for keys that only files.log saw.
func (a *Aggregator) resolve() map[key]*extra {
	claimed := map[string]bool{}
	for _, g := range a.groups {
		for _, f := range g.files {
			if f.fuid != "" {
				claimed[f.fuid] = true
			}
		}
		for _, p := range g.parts {
			claimed[p.fuid] = true
		}
	}
	out := map[key]*extra{}
	for fuid, r := range a.files {
		id := a.c.ftp
		if r.smtp {
			id = a.c.smtp
		}
		k := key{r.tx, r.rx, id}
		ex := out[k]
		if ex == nil {
			ex = &extra{}
			out[k] = ex
		}
		ex.files++
		ex.fileBytes += max(r.size, 0)
		if !claimed[fuid] {
			ex.onlyN++
			ex.only = append(ex.only, r)
		}
		a.group(k, r.ts)
	}
	for _, ex := range out {
		slices.SortFunc(ex.only, func(x, y fileRec) int {
			if c := cmpAt(x.ts, x.ref, y.ts, y.ref); c != 0 {
				return c
			}
			return strings.Compare(x.name, y.name)
		})
		if len(ex.only) > maxFiles {
			ex.only = ex.only[:maxFiles]
		}
	}
	return out
}

// Score turns each key into a finding and keeps those at min_risk or above.
func (d *Detection) Score(agg detect.Aggregator, env *detect.Env) ([]finding.Finding, error) {
	a, ok := agg.(*Aggregator)
	if !ok {
		return nil, fmt.Errorf("%s: aggregator of another detection (%T)", ID, agg)
	}
	if a.err != nil {
		return nil, a.err
	}
	extras := a.resolve()
	relays := map[netip.Addr]bool{}
	if d.p.RelayClients > 0 {
		for srv, s := range a.peers {
			if s.Len() >= d.p.RelayClients {
				relays[srv] = true
			}
		}
	}
	var out, mail []finding.Finding
	for k, g := range a.groups {
		ex := extras[k]
		if ex == nil {
			ex = &extra{}
		}
		j := judge{d: d, a: a, k: k, g: g, ex: ex, row: a.c.rows[k.proto]}
		switch k.proto {
		case a.c.ftp:
			out = append(out, j.ftp())
		case a.c.smtp:
			if relays[k.src] {
				continue
			}
			mail = append(mail, j.smtp())
		default:
			out = append(out, j.other())
		}
	}
	// "SMTP from non-mail processes": when host logs name the process behind direct SMTP, a
	// mail client's is dropped and any other's weighs more.
	if len(mail) > 0 && !env.Hosts.Empty() {
		env.Hosts.Annotate(mail, attrib.DefaultOptions())
		kept := mail[:0]
		for _, f := range mail {
			if len(f.Processes) > 0 {
				img := strings.ToLower(attrib.ImageName(f.Processes[0].Image))
				if a.c.mailProcs[img] {
					continue
				}
				if r := d.p.Risk.NonMailProcess; r != 0 {
					f.Risk = max(0, min(100, f.Risk+r))
					f.Severity = finding.SeverityFor(f.Risk)
					f.Figures = append(f.Figures, finding.Fig("risk_non_mail_process", r, finding.Count))
				}
			}
			kept = append(kept, f)
		}
		mail = kept
	}
	out = append(out, mail...)
	kept := out[:0]
	for _, f := range out {
		if f.Risk >= d.p.MinRisk {
			kept = append(kept, f)
		}
	}
	finding.Sort(kept)
	return kept, nil
}

// judge scores one key.
type judge struct {
	d     *Detection
	a     *Aggregator
	k     key
	g     *group
	ex    *extra
	row   row
	risk  int
	parts []finding.Figure
}

func (j *judge) add(name string, v int) {
	if v == 0 {
		return
	}
	j.risk += v
	j.parts = append(j.parts, finding.Fig("risk_"+name, v, finding.Count))
}

// volume adds risk.volume for each band the bytes exceed.
func (j *judge) volume(bytes int64) {
	n := 0
	for _, b := range j.d.p.VolumeBands {
		if bytes > b {
			n++
		}
	}
	j.add("volume", n*j.d.p.Risk.Volume)
}

func (j *judge) repeated(n int64) {
	if r := j.d.p.Repeat; r > 0 && n >= int64(r) {
		j.add("repeated", j.d.p.Risk.Repeated)
	}
}

// attempted adds risk.attempt_only when nothing of the key was answered.
func (j *judge) attempted() bool {
	g := j.g
	if g.established > 0 || g.ftpRecords > 0 || g.mails > 0 || g.dataConns > 0 || j.ex.files > 0 {
		return false
	}
	j.add("attempt_only", j.d.p.Risk.AttemptOnly)
	return true
}

func (j *judge) stolen(s string) bool {
	return j.a.c.stolen != nil && s != "" && j.a.c.stolen.MatchString(s)
}

// finding builds the finding with the entities and figures every key has.
func (j *judge) finding(summary, user string, figs []finding.Figure) finding.Finding {
	g, k := j.g, j.k
	f := detect.Base(j.d.Info(), j.risk)
	l4 := g.l4
	if l4 == "" {
		l4 = "tcp"
	}
	f.Entities = finding.Entities{Src: k.src.String(), Dst: k.dst.String(), DstPort: int(g.port), Proto: l4, App: j.row.name, User: user}
	f.First, f.Last = g.first, g.last
	f.Summary = summary
	f.Figures = append(figs,
		finding.Fig("connections", g.conns, finding.Count),
		finding.Fig("established", g.established, finding.Count),
		finding.Fig("sessions", g.sessions.count(), finding.Count),
		finding.Fig("bytes_out", g.out, finding.Bytes),
		finding.Fig("bytes_in", g.in, finding.Bytes))
	if g.service != "" {
		f.Figures = append(f.Figures, finding.Fig("service", g.service, finding.Text))
	}
	if g.encrypted > 0 {
		f.Figures = append(f.Figures, finding.Fig("encrypted_connections", g.encrypted, finding.Count))
	}
	f.Figures = append(f.Figures, finding.Fig("protocol_ports", j.row.ports, finding.Text))
	f.Figures = append(f.Figures, j.parts...)
	f.Evidence = g.ev.list()
	return f
}

// where writes the destination and its port.
func (j *judge) where() string {
	if j.g.port == 0 {
		return j.k.dst.String()
	}
	return netip.AddrPortFrom(j.k.dst, j.g.port).String()
}

func bytesText(n int64) string { return finding.Commas(n) + " B" }

// nameList writes up to n names, then how many more.
func nameList(names []string, total int64, n int) string {
	shown := names
	if len(shown) > n {
		shown = shown[:n]
	}
	s := strings.Join(shown, ", ")
	if more := total - int64(len(shown)); more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return s
}

// ftp scores FTP: uploads, logins with credentials, other sessions, or connections alone.
func (j *judge) ftp() finding.Finding {
	g, ex, r := j.g, j.ex, j.d.p.Risk
	// uploads named by ftp.log, sized by the record, else by files.log through the fuid
	var names, mimes []string
	known := g.upSized
	for _, f := range g.files {
		name := f.name
		if name == "" {
			name = "(unnamed " + f.cmd + ")"
		}
		names = append(names, name)
		mime := f.mime
		if fr, ok := j.a.files[f.fuid]; ok && f.fuid != "" {
			if f.size < 0 && fr.size >= 0 {
				known += fr.size
			}
			if mime == "" {
				mime = fr.mime
			}
		}
		if mime != "" && !slices.Contains(mimes, mime) {
			mimes = append(mimes, mime)
		}
	}
	uploads := g.uploads
	fromFiles := false
	if uploads == 0 && ex.onlyN > 0 {
		uploads, fromFiles = ex.onlyN, true
		for _, fr := range ex.only {
			name := fr.name
			if name == "" {
				name = "(unnamed, " + bytesText(max(fr.size, 0)) + ")"
			}
			names = append(names, name)
			if fr.mime != "" && !slices.Contains(mimes, fr.mime) {
				mimes = append(mimes, fr.mime)
			}
		}
	}
	upBytes := max(known, g.dataUp, ex.fileBytes)
	inferred := uploads == 0 && g.ftpRecords == 0 && g.dataUp > 0
	users := g.users
	user := ""
	if len(users) > 0 {
		user = users[0]
	}
	stolen := false
	for _, n := range names {
		stolen = stolen || j.stolen(n)
	}
	slices.Sort(mimes)

	var b strings.Builder
	src, dst, proto := j.k.src, j.where(), "FTP"
	switch {
	case uploads > 0 || inferred:
		j.add("ftp_upload", r.FTPUpload)
		if len(users) > 0 {
			j.add("credentials", r.Credentials)
		}
		if stolen {
			j.add("stolen_name", r.StolenName)
		}
		j.volume(upBytes)
		j.repeated(max(g.sessions.count(), uploads))
		if inferred {
			fmt.Fprintf(&b, "%s uploaded %s by %s to %s on %s (conn.log only: the commands were not seen)",
				src, bytesText(upBytes), proto, dst, finding.Plural(g.dataConns, "data channel"))
		} else {
			fmt.Fprintf(&b, "%s uploaded %s", src, finding.Plural(uploads, "file"))
			if upBytes > 0 {
				fmt.Fprintf(&b, " (%s)", bytesText(upBytes))
			}
			fmt.Fprintf(&b, " by %s to %s", proto, dst)
			if user != "" {
				fmt.Fprintf(&b, " as %s", user)
			} else if g.anonymous {
				b.WriteString(" anonymously")
			}
			fmt.Fprintf(&b, ": %s", nameList(names, uploads, 3))
			if fromFiles {
				b.WriteString(" (seen in files.log)")
			}
		}
	case len(users) > 0:
		j.add("ftp_login", r.FTPLogin)
		j.repeated(g.sessions.count())
		verb := "logged in"
		if g.loginOK == 0 && g.loginFail > 0 {
			verb = "tried to log in (refused)"
		}
		fmt.Fprintf(&b, "%s %s by %s to %s as %s: the password crossed in the clear; no upload", src, verb, proto, dst, strings.Join(users, ", "))
		if g.downloads > 0 {
			fmt.Fprintf(&b, ", %s", finding.Plural(g.downloads, "download"))
		}
	case g.ftpRecords > 0:
		j.add("ftp_other", r.FTPOther)
		fmt.Fprintf(&b, "%s used %s at %s", src, proto, dst)
		if g.anonymous {
			b.WriteString(" anonymously")
		}
		fmt.Fprintf(&b, ": no upload, no credentials")
		if g.downloads > 0 {
			fmt.Fprintf(&b, ", %s (%s)", finding.Plural(g.downloads, "download"), bytesText(max(g.downBytes, g.dataDown)))
		}
	default:
		j.add("base", j.row.risk)
		j.volume(g.out)
		j.repeated(g.sessions.count())
		j.connSummary(&b, "FTP")
	}
	if g.ftpRecords > 0 || uploads > 0 {
		j.attempted()
	} else if j.attempted() {
		b.WriteString(", none established")
	}
	if s := g.sessions.count(); s > 1 && g.ftpRecords > 0 {
		fmt.Fprintf(&b, "; %s", finding.Plural(s, "session"))
	}
	var figs []finding.Figure
	figs = append(figs,
		finding.Fig("uploads", uploads, finding.Count),
		finding.Fig("upload_bytes", upBytes, finding.Bytes))
	if len(names) > 0 {
		figs = append(figs, finding.Fig("files", nameList(names, uploads, maxFiles), finding.Text))
	}
	if len(mimes) > 0 {
		figs = append(figs, finding.Fig("mime_types", strings.Join(mimes, ","), finding.Text))
	}
	if len(users) > 0 {
		figs = append(figs, finding.Fig("users", strings.Join(users, ","), finding.Text))
	}
	if g.anonymous {
		figs = append(figs, finding.Fig("anonymous", "yes", finding.Text))
	}
	for _, x := range []struct {
		name string
		v    int64
		unit finding.Unit
	}{
		{"commands", g.ftpRecords, finding.Count},
		{"passwords_sent", g.pass, finding.Count},
		{"logins_accepted", g.loginOK, finding.Count},
		{"logins_refused", g.loginFail, finding.Count},
		{"uploads_refused", g.refused, finding.Count},
		{"uploads_unanswered", g.unanswered, finding.Count},
		{"downloads", g.downloads, finding.Count},
		{"download_bytes", g.downBytes, finding.Bytes},
		{"data_connections", g.dataConns, finding.Count},
		{"data_bytes_up", g.dataUp, finding.Bytes},
		{"data_bytes_down", g.dataDown, finding.Bytes},
		{"files_log_files", ex.files, finding.Count},
		{"files_log_bytes", ex.fileBytes, finding.Bytes},
	} {
		if x.v > 0 {
			figs = append(figs, finding.Fig(x.name, x.v, x.unit))
		}
	}
	return j.finding(b.String(), user, figs)
}

// connSummary writes "src opened N PROTO connections to dst, B out, B in".
func (j *judge) connSummary(b *strings.Builder, proto string) {
	g := j.g
	fmt.Fprintf(b, "%s opened %s to %s", j.k.src, finding.Plural(g.conns, proto+" connection"), j.where())
	if g.established > 0 {
		fmt.Fprintf(b, ", %s out, %s in", bytesText(g.out), bytesText(g.in))
	}
}

// attachment is a mail part files.log describes.
type attachment struct {
	name, mime string
	size       int64
	body       bool // a text part without a file name: the message itself
}

func (c *compiled) riskyPart(p attachment) bool {
	if p.body {
		return false
	}
	if c.risky != nil && p.name != "" && c.risky.MatchString(p.name) {
		return true
	}
	mime, _, _ := strings.Cut(strings.ToLower(p.mime), ";")
	mime = strings.TrimSpace(mime)
	if c.riskyMIME[mime] {
		return true
	}
	t, ok := filetype.FromMIME(mime)
	return ok && t.Archive
}

// smtp scores mail sent straight to an outside server.
func (j *judge) smtp() finding.Finding {
	g, ex, c, r := j.g, j.ex, j.a.c, j.d.p.Risk
	var atts []attachment
	unresolved := int64(0)
	for _, p := range g.parts {
		fr, ok := j.a.files[p.fuid]
		if !ok {
			unresolved++
			continue
		}
		atts = append(atts, part2att(fr))
	}
	for _, fr := range ex.only {
		atts = append(atts, part2att(fr))
	}
	var names []string
	var attN, attBytes int64
	risky, stolen := false, false
	for _, p := range atts {
		if p.body {
			continue
		}
		attN++
		attBytes += max(p.size, 0)
		name := p.name
		if name == "" {
			name = "(" + p.mime + ")"
		}
		names = append(names, fmt.Sprintf("%s (%s)", name, bytesText(max(p.size, 0))))
		risky = risky || c.riskyPart(p)
		stolen = stolen || j.stolen(p.name)
	}
	for _, s := range g.subjects {
		stolen = stolen || j.stolen(s)
	}
	sender := ""
	if len(g.senders) > 0 {
		sender = g.senders[0]
	}
	j.add("base", j.row.risk)
	if attN > 0 {
		j.add("attachment", r.Attachment)
	}
	if risky {
		j.add("risky_attachment", r.RiskyAttachment)
	}
	if stolen {
		j.add("stolen_name", r.StolenName)
	}
	volume := max(g.out, ex.fileBytes)
	j.volume(volume)
	j.repeated(max(g.sessions.count(), g.mails))

	var b strings.Builder
	if g.mails == 0 {
		j.connSummary(&b, "SMTP")
		b.WriteString(" (not a configured or observed mail relay)")
		if j.attempted() {
			b.WriteString(", none established")
		}
	} else {
		fmt.Fprintf(&b, "%s sent %s straight to the outside mail server %s (not a configured or observed mail relay)",
			j.k.src, finding.Plural(g.mails, "mail"), j.where())
		if sender != "" {
			fmt.Fprintf(&b, " from %s", sender)
		}
		if n := g.rcptSet.count(); n > 0 {
			fmt.Fprintf(&b, " to %s", nameList(g.rcpts, n, 2))
		}
		if attN > 0 {
			fmt.Fprintf(&b, ": %s (%s)", finding.Plural(attN, "attachment"), nameList(names, attN, 3))
		}
		if g.tlsMails == g.mails {
			b.WriteString("; STARTTLS hid the contents")
		}
	}
	var figs []finding.Figure
	figs = append(figs,
		finding.Fig("mails", g.mails, finding.Count),
		finding.Fig("attachments", attN, finding.Count),
		finding.Fig("attachment_bytes", attBytes, finding.Bytes))
	if len(names) > 0 {
		figs = append(figs, finding.Fig("attachment_names", nameList(names, attN, maxFiles), finding.Text))
	}
	if len(g.senders) > 0 {
		figs = append(figs, finding.Fig("senders", strings.Join(g.senders, ","), finding.Text))
	}
	if n := g.rcptSet.count(); n > 0 {
		figs = append(figs, finding.Fig("recipients", n, finding.Count), finding.Fig("recipient_names", nameList(g.rcpts, n, maxList), finding.Text))
	}
	if len(g.subjects) > 0 {
		figs = append(figs, finding.Fig("subjects", strings.Join(g.subjects, " | "), finding.Text))
	}
	if len(g.agents) > 0 {
		figs = append(figs, finding.Fig("user_agents", strings.Join(g.agents, " | "), finding.Text))
	}
	for _, x := range []struct {
		name string
		v    int64
		unit finding.Unit
	}{
		{"starttls_mails", g.tlsMails, finding.Count},
		{"mime_parts", g.partN, finding.Count},
		{"mime_parts_not_in_files_log", unresolved, finding.Count},
		{"files_log_files", ex.files, finding.Count},
		{"files_log_bytes", ex.fileBytes, finding.Bytes},
	} {
		if x.v > 0 {
			figs = append(figs, finding.Fig(x.name, x.v, x.unit))
		}
	}
	return j.finding(b.String(), sender, figs)
}

func part2att(fr fileRec) attachment {
	mime := strings.ToLower(fr.mime)
	body := fr.name == "" && (mime == "" || strings.HasPrefix(mime, "text/plain") || strings.HasPrefix(mime, "text/html"))
	return attachment{name: fr.name, mime: fr.mime, size: fr.size, body: body}
}

// other scores a protocol known from connections alone: IRC, SMB, telnet, LDAP, RDP.
func (j *judge) other() finding.Finding {
	g := j.g
	j.add("base", j.row.risk)
	j.volume(g.out)
	j.repeated(g.sessions.count())
	var b strings.Builder
	j.connSummary(&b, j.row.label)
	if j.attempted() {
		b.WriteString(", none established")
	}
	return j.finding(b.String(), "", nil)
}
